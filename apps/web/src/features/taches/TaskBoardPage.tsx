import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { LABELS, TACHE_STATUTS, type TacheStatut } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatDate } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { Loading, RetryAlert } from '../../components/Status';
import { SelectFilter } from '../../components/ListToolbar';
import { PrioriteBadge, RetardBadge } from '../../components/badges';
import { SortableBoard } from '../../components/board/SortableBoard';
import { useBoardMove } from '../../components/board/useBoardMove';
import { useBoardQueries } from '../../components/board/useBoardQueries';
import { placementOf } from '../../components/board/boardLogic';
import { TerminerButton } from '../../components/TerminerButton';
import type { TacheRow } from '../../components/columns/tacheColumns';
import { PickerFilter } from '../../components/pickers/RecordPicker';
import { ME } from '../../components/pickers/sources';

const setStatut = (t: TacheRow, statut: TacheStatut): TacheRow => ({ ...t, statut, enRetard: statut === 'terminee' ? false : t.enRetard });

export function TaskBoardPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [params, setParams] = useSearchParams();
  const assigneA = params.get('assigneA') ?? '';
  const inputOf = useCallback(
    (statut: TacheStatut) => ({
      statut,
      ordering: 'position' as const,
      pageSize: 100,
      ...(assigneA === 'me' ? { assigneA: 'me' as const } : /^\d+$/.test(assigneA) ? { assigneA: Number(assigneA) } : {}),
    }),
    [assigneA],
  );
  const { board, loaded, error } = useBoardQueries<TacheStatut, TacheRow>(TACHE_STATUTS, (s) => trpc.taches.list.queryOptions(inputOf(s)));
  const { move } = useBoardMove<TacheStatut, TacheRow>({
    key: 'taches',
    columns: TACHE_STATUTS,
    queryKeyOf: (s) => trpc.taches.list.queryKey(inputOf(s)),
    setColumn: setStatut,
    send: (m) => client.taches.patch.mutate({ id: m.id, statut: m.to, ...placementOf(m) }),
    alsoInvalidate: [trpc.dashboard.pathKey(), trpc.taches.get.pathKey()],
  });

  return (
    <>
      <PageHeader
        title="Tableau des tâches"
        subtitle="Glissez les tâches d'un statut à l'autre (souris ou clavier)."
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
        <PickerFilter kind="user" label="Assignée à" value={assigneA} onChange={(v) => setParams(v ? { assigneA: v } : {}, { replace: true })} extra={ME} allLabel="Tout le monde" />
      </div>
      {error ? (
        <RetryAlert error={error} />
      ) : !loaded ? (
        <Loading />
      ) : (
        <SortableBoard
          label="Tableau des tâches"
          columns={TACHE_STATUTS}
          columnLabel={(s) => LABELS.tacheStatut[s]}
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
      {(t.clientNom || t.projetTitre) && <div className="muted small">{[t.clientNom, t.projetTitre].filter(Boolean).join(' · ')}</div>}
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
