import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LABELS, nextEtape, type Etape } from '@crm/shared';
import { useTRPC } from '../../lib/trpc';
import { fullErrorMessage } from '../../lib/errors';
import { useNotify } from '../../components/Notifications';
import { focusCard } from '../../components/board/BoardParts';
import { ConclusionDialog, type Conclusion } from './ConclusionDialog';

/** "Avancer l'étape": to the next stage; to `conclusion` after asking won or lost. */
export function AvancerEtapeButton({
  id,
  nom,
  etape,
  small,
}: {
  id: number;
  nom: string;
  etape: Etape;
  small?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [asking, setAsking] = useState(false);
  const next = nextEtape(etape);
  const avancer = useMutation(
    trpc.opportunites.avancerEtape.mutationOptions({
      onSuccess: (o) => {
        notify(`« ${nom} » passe à l'étape ${LABELS.etape[o.etape]}.`);
        void queryClient.invalidateQueries({ queryKey: trpc.opportunites.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.dashboard.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.clients.get.pathKey() });
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  if (!next) return null;
  const go = (c?: Conclusion) => {
    setAsking(false);
    avancer.mutate({ id, ...c });
  };
  return (
    <>
      <button
        type="button"
        className={`btn btn--ghost${small ? ' btn--small' : ''}`}
        disabled={avancer.isPending}
        onClick={() => (next === 'conclusion' ? setAsking(true) : go())}
        title={`Passer à l'étape ${LABELS.etape[next]}`}
      >
        Avancer l'étape
        <span className="sr-only"> de « {nom} »</span> →
      </button>
      {asking && (
        <ConclusionDialog nom={nom} onConfirm={go} onClose={() => setAsking(false)} returnFocus={() => focusCard(id)} />
      )}
    </>
  );
}
