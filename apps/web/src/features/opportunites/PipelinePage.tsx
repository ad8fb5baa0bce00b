import { useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ETAPES, LABELS, type Etape } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatMoney } from '../../lib/format';
import { toId } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { Loading, RetryAlert } from '../../components/Status';
import { SortableBoard } from '../../components/board/SortableBoard';
import { focusCard } from '../../components/board/BoardParts';
import { useBoardMove } from '../../components/board/useBoardMove';
import { placementOf, type Move } from '../../components/board/boardLogic';
import { useBoardQueries } from '../../components/board/useBoardQueries';
import { ConclusionDialog, type Conclusion } from './ConclusionDialog';
import { OpportuniteCard } from './OpportuniteCard';
import type { OpportuniteRow } from '../../components/columns/opportuniteColumns';
import { PickerFilter } from '../../components/pickers/RecordPicker';

const setEtape = (o: OpportuniteRow, etape: Etape): OpportuniteRow => ({ ...o, etape, resultat: etape === 'conclusion' ? o.resultat : null });

export function PipelinePage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [params, setParams] = useSearchParams();
  const responsable = toId(params.get('responsable') ?? '');
  const inputOf = useCallback(
    (etape: Etape) => ({ etape, ordering: 'position' as const, pageSize: 100, ...(responsable ? { responsable } : {}) }),
    [responsable],
  );
  const { board, loaded, error } = useBoardQueries<Etape, OpportuniteRow>(ETAPES, (e) => trpc.opportunites.list.queryOptions(inputOf(e)));
  const [pending, setPending] = useState<Move<Etape> | null>(null);

  const { move } = useBoardMove<Etape, OpportuniteRow, Conclusion>({
    key: 'opportunites',
    columns: ETAPES,
    queryKeyOf: (e) => trpc.opportunites.list.queryKey(inputOf(e)),
    setColumn: setEtape,
    send: (m, conclusion) =>
      client.opportunites.patch.mutate({
        id: m.id,
        etape: m.to,
        ...placementOf(m),
        ...(m.to === 'conclusion' ? (conclusion ?? {}) : m.from === 'conclusion' ? { resultat: null } : {}),
      }),
    alsoInvalidate: [trpc.dashboard.pathKey(), trpc.opportunites.get.pathKey(), trpc.clients.get.pathKey()],
  });

  const onMove = (m: Move<Etape>) => {
    if (m.to === 'conclusion' && m.from !== 'conclusion') {
      setPending(m);
      return false;
    }
    move(m);
  };
  const pendingCard = pending ? board[pending.from].find((o) => o.id === pending.id) : undefined;

  return (
    <>
      <PageHeader
        title="Pipeline des opportunités"
        subtitle="Glissez les cartes d'une étape à l'autre (souris ou clavier)."
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
      {error ? (
        <RetryAlert error={error} />
      ) : !loaded ? (
        <Loading />
      ) : (
        <SortableBoard
          label="Pipeline des opportunités"
          columns={ETAPES}
          columnLabel={(e) => LABELS.etape[e]}
          columnFooter={(_, cards) => (
            <p className="column-total">
              {formatMoney(cards.reduce((s, c) => s + c.montant, 0))}
              <span className="muted">pondéré {formatMoney(cards.reduce((s, c) => s + c.valeurPonderee, 0))}</span>
            </p>
          )}
          board={board}
          setColumn={setEtape}
          cardTitle={(o) => o.nom}
          renderCard={(o) => <OpportuniteCard o={o} />}
          onMove={onMove}
        />
      )}
      {pending && pendingCard && (
        <ConclusionDialog
          nom={pendingCard.nom}
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
