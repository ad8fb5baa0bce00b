import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { LABELS, TACHE_STATUTS, type TacheStatut } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatDate, plural } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { Loading, RetryAlert } from '../../components/Status';
import { PrioriteBadge, RetardBadge } from '../../components/badges';
import { SortableBoard } from '../../components/board/SortableBoard';
import type { ColumnHeader } from '../../components/board/BoardParts';
import { useBoardMove } from '../../components/board/useBoardMove';
import { BOARD_PAGE_SIZE, useBoardColumns } from '../../components/board/useBoardColumns';
import { recentSince, RecentOnlyToggle } from '../../components/board/RecentOnly';
import { placementOf } from '../../components/board/boardLogic';
import { TerminerButton } from '../../components/TerminerButton';
import type { TacheRow } from '../../components/columns/tacheColumns';
import { PickerFilter } from '../../components/pickers/RecordPicker';
import { ME } from '../../components/pickers/sources';
import { BulkBar, useSelection } from '../../components/BulkBar';
import { useCurrentUser } from '../../lib/currentUser';
import { tacheBulkActions } from './bulkActions';

const setStatut = (t: TacheRow, statut: TacheStatut): TacheRow => ({
  ...t,
  statut,
  enRetard: statut === 'terminee' ? false : t.enRetard,
});

export function TaskBoardPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [params, setParams] = useSearchParams();
  const assigneA = params.get('assigneA') ?? '';
  // Terminée shows the tasks finished in the last 30 days unless « Voir tout ».
  const [allDone, setAllDone] = useState(false);
  const [since] = useState(recentSince);
  const filters =
    assigneA === 'me' ? { assigneA: 'me' as const } : /^\d+$/.test(assigneA) ? { assigneA: Number(assigneA) } : {};
  const inputOf = (statut: TacheStatut, page: number) => ({
    statut,
    ordering: 'position' as const,
    page,
    pageSize: BOARD_PAGE_SIZE,
    ...filters,
    ...(statut === 'terminee' && !allDone ? { termineeApres: since } : {}),
  });
  const { board, loaded, error, paging, pageKeysOf } = useBoardColumns<TacheStatut, TacheRow>(
    TACHE_STATUTS,
    (s, page) => trpc.taches.list.queryOptions(inputOf(s, page)),
    JSON.stringify([assigneA, allDone]),
  );
  // Column headers: the API's totals with the board's filters (the closed column's own), never the loaded cards.
  const totals = useQuery(trpc.taches.colonnes.queryOptions(filters));
  const doneTotals = useQuery(
    trpc.taches.colonnes.queryOptions({ ...filters, statut: 'terminee', termineeApres: since }, { enabled: !allDone }),
  );
  const columnHeader = (s: TacheStatut): ColumnHeader => {
    const t = (s === 'terminee' && !allDone ? doneTotals.data : totals.data)?.find((c) => c.statut === s);
    return {
      count: t?.nombre,
      summary:
        s !== 'terminee' && t && t.enRetard > 0 ? (
          <p className="column-total column-total--late">{plural(t.enRetard, 'en retard', 'en retard')}</p>
        ) : undefined,
      tools: s === 'terminee' ? <RecentOnlyToggle all={allDone} onChange={setAllDone} /> : undefined,
    };
  };
  // Bulk actions on the ticked cards (`POST /api/taches/lot/`).
  const staff = useCurrentUser().role !== 'commercial';
  const bulk = useSelection(assigneA);
  const { move } = useBoardMove<TacheStatut, TacheRow>({
    key: 'taches',
    pageKeysOf,
    setColumn: setStatut,
    send: (m) => client.taches.patch.mutate({ id: m.id, statut: m.to, ...placementOf(m) }),
    alsoInvalidate: [trpc.taches.colonnes.pathKey(), trpc.dashboard.pathKey(), trpc.taches.get.pathKey()],
  });

  return (
    <>
      <PageHeader
        title="Tableau des tâches"
        subtitle="Glissez les tâches d'un statut à l'autre (souris, appui long au doigt ou clavier)."
        actions={
          <>
            <Link className="btn btn--ghost" to="/taches">
              Vue liste
            </Link>
            <Link className="btn btn--primary" to="/taches/nouvelle">
              + Nouvelle tâche
            </Link>
          </>
        }
      />
      <div className="toolbar">
        <PickerFilter
          kind="user"
          label="Assignée à"
          value={assigneA}
          onChange={(v) => setParams(v ? { assigneA: v } : {}, { replace: true })}
          extra={ME}
          allLabel="Tout le monde"
        />
      </div>
      <BulkBar
        total={bulk.selection.selected.size}
        state={bulk}
        filtres={{}}
        actions={tacheBulkActions(staff)}
        run={(body) => client.lots.taches.mutate(body as never)}
      />
      {error ? (
        <RetryAlert error={error} />
      ) : !loaded ? (
        <Loading />
      ) : (
        <SortableBoard
          label="Tableau des tâches"
          columns={TACHE_STATUTS}
          columnLabel={(s) => LABELS.tacheStatut[s]}
          columnHeader={columnHeader}
          paging={paging}
          selection={bulk.selection}
          board={board}
          setColumn={setStatut}
          cardTitle={(t) => t.titre}
          renderCard={(t) => <TacheCard t={t} />}
          onMove={(m) => move(m)}
        />
      )}
    </>
  );
}

function TacheCard({ t }: { t: TacheRow }) {
  return (
    <div className="card-body">
      <Link className="card-title" to={`/taches/${t.id}`}>
        {t.titre}
      </Link>
      {(t.clientNom || t.projetTitre) && (
        <div className="muted small">{[t.clientNom, t.projetTitre].filter(Boolean).join(' · ')}</div>
      )}
      <div className="card-row">
        <PrioriteBadge value={t.priorite} />
        <span className="small">
          {formatDate(t.dateEcheance)} <RetardBadge late={t.enRetard} />
        </span>
      </div>
      <div className="card-row small muted">
        <span>{t.assigneANom ?? 'Non assignée'}</span>
        {t.statut !== 'terminee' && <TerminerButton id={t.id} titre={t.titre} small />}
      </div>
    </div>
  );
}
