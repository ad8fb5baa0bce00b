import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { ETAPES, LABELS, type Etape, type OpportuniteColonneOut } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatMoney, plural } from '../../lib/format';
import { toId } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { Loading, RetryAlert } from '../../components/Status';
import { SortableBoard } from '../../components/board/SortableBoard';
import { focusCard, type ColumnHeader } from '../../components/board/BoardParts';
import { useBoardMove } from '../../components/board/useBoardMove';
import { placementOf, type Move } from '../../components/board/boardLogic';
import { BOARD_PAGE_SIZE, useBoardColumns } from '../../components/board/useBoardColumns';
import { recentSince, RecentOnlyToggle } from '../../components/board/RecentOnly';
import { ConclusionDialog, type Conclusion } from './ConclusionDialog';
import { OpportuniteCard } from './OpportuniteCard';
import type { OpportuniteRow } from '../../components/columns/opportuniteColumns';
import { PickerFilter } from '../../components/pickers/RecordPicker';
import { BulkBar, useSelection } from '../../components/BulkBar';
import { useCurrentUser } from '../../lib/currentUser';
import { opportuniteBulkActions } from './bulkActions';

const setEtape = (o: OpportuniteRow, etape: Etape): OpportuniteRow => ({
  ...o,
  etape,
  resultat: etape === 'conclusion' ? o.resultat : null,
});

export function PipelinePage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [params, setParams] = useSearchParams();
  const responsable = toId(params.get('responsable') ?? '');
  // Conclusion shows the deals concluded in the last 30 days unless « Voir tout ».
  const [allConcluded, setAllConcluded] = useState(false);
  const [since] = useState(recentSince);
  const filters = responsable ? { responsable } : {};
  const closed = allConcluded ? {} : { conclusionApres: since };
  const inputOf = (etape: Etape, page: number) => ({
    etape,
    ordering: 'position' as const,
    page,
    pageSize: BOARD_PAGE_SIZE,
    ...filters,
    ...(etape === 'conclusion' ? closed : {}),
  });
  const { board, loaded, error, paging, pageKeysOf } = useBoardColumns<Etape, OpportuniteRow>(
    ETAPES,
    (e, page) => trpc.opportunites.list.queryOptions(inputOf(e, page)),
    JSON.stringify([responsable, allConcluded]),
  );
  // Column headers: the API's totals with the board's filters (the closed column's own), never the loaded cards.
  const totals = useQuery(trpc.opportunites.colonnes.queryOptions(filters));
  const closedTotals = useQuery(
    trpc.opportunites.colonnes.queryOptions({ ...filters, etape: 'conclusion', ...closed }, { enabled: !allConcluded }),
  );
  const totalOf = (e: Etape): OpportuniteColonneOut | undefined =>
    (e === 'conclusion' && !allConcluded ? closedTotals.data : totals.data)?.find((c) => c.etape === e);
  // The drop waiting for its outcome, with the card's name as it was dropped: the dialog stays open
  // (and keeps what was chosen and typed) while the board's data refetches around it.
  const [pending, setPending] = useState<(Move<Etape> & { nom: string }) | null>(null);
  // Bulk actions on the ticked cards (`POST /api/opportunites/lot/`).
  const staff = useCurrentUser().role !== 'commercial';
  const bulk = useSelection(JSON.stringify([responsable]));

  const { move } = useBoardMove<Etape, OpportuniteRow, Conclusion>({
    key: 'opportunites',
    pageKeysOf,
    setColumn: setEtape,
    send: (m, conclusion) =>
      client.opportunites.patch.mutate({
        id: m.id,
        etape: m.to,
        ...placementOf(m),
        ...(m.to === 'conclusion' ? (conclusion ?? {}) : m.from === 'conclusion' ? { resultat: null } : {}),
      }),
    alsoInvalidate: [
      trpc.opportunites.colonnes.pathKey(),
      trpc.dashboard.pathKey(),
      trpc.opportunites.get.pathKey(),
      trpc.clients.get.pathKey(),
    ],
  });

  const columnHeader = (e: Etape): ColumnHeader => {
    const t = totalOf(e);
    if (e !== 'conclusion') {
      return {
        count: t?.nombre,
        summary: (
          <p className="column-total">
            {t ? formatMoney(t.montant) : '…'}
            <span className="muted">pondéré {t ? formatMoney(t.montantPondere) : '…'}</span>
          </p>
        ),
      };
    }
    return {
      count: t?.nombre,
      summary: (
        <p className="column-total">
          {t ? formatMoney(t.montant) : '…'}
          <span className="column-split column-split--gagnee">
            {plural(t?.gagnees?.nombre ?? 0, 'gagnée', 'gagnées')} · {formatMoney(t?.gagnees?.montant ?? 0)}
          </span>
          <span className="column-split column-split--perdue">
            {plural(t?.perdues?.nombre ?? 0, 'perdue', 'perdues')} · {formatMoney(t?.perdues?.montant ?? 0)}
          </span>
        </p>
      ),
      tools: <RecentOnlyToggle all={allConcluded} onChange={setAllConcluded} />,
    };
  };

  const onMove = (m: Move<Etape>) => {
    if (m.to === 'conclusion' && m.from !== 'conclusion') {
      const card = board[m.from].find((o) => o.id === m.id);
      if (card) setPending({ ...m, nom: card.nom });
      return false;
    }
    move(m);
  };

  return (
    <>
      <PageHeader
        title="Pipeline des opportunités"
        subtitle="Glissez les cartes d'une étape à l'autre (souris, appui long au doigt ou clavier)."
        actions={
          <>
            <Link className="btn btn--ghost" to="/opportunites">
              Vue liste
            </Link>
            <Link className="btn btn--primary" to="/opportunites/nouvelle">
              + Nouvelle opportunité
            </Link>
          </>
        }
      />
      <div className="toolbar">
        <PickerFilter
          kind="user"
          label="Responsable"
          value={params.get('responsable') ?? ''}
          onChange={(v) => setParams(v ? { responsable: v } : {}, { replace: true })}
        />
      </div>
      <BulkBar
        total={bulk.selection.selected.size}
        state={bulk}
        filtres={{}}
        actions={opportuniteBulkActions(staff)}
        run={(body) => client.lots.opportunites.mutate(body as never)}
      />
      {error ? (
        <RetryAlert error={error} />
      ) : !loaded ? (
        <Loading />
      ) : (
        <SortableBoard
          label="Pipeline des opportunités"
          columns={ETAPES}
          columnLabel={(e) => LABELS.etape[e]}
          columnHeader={columnHeader}
          paging={paging}
          selection={bulk.selection}
          board={board}
          setColumn={setEtape}
          cardTitle={(o) => o.nom}
          renderCard={(o) => <OpportuniteCard o={o} />}
          onMove={onMove}
        />
      )}
      {pending && (
        <ConclusionDialog
          nom={pending.nom}
          returnFocus={() => focusCard(pending.id)}
          onClose={() => setPending(null)}
          onConfirm={(c) => {
            move(pending, c);
            setPending(null);
          }}
        />
      )}
    </>
  );
}
