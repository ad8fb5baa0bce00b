import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc';
import { fullErrorMessage } from '../lib/errors';
import { useNotify } from './Notifications';

/** "Terminer": taches.complete (statut terminee, dateTerminee now; idempotent). */
export function TerminerButton({ id, titre, small }: { id: number; titre: string; small?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const complete = useMutation(
    trpc.taches.complete.mutationOptions({
      onSuccess: () => {
        notify(`Tâche « ${titre} » terminée.`);
        void queryClient.invalidateQueries({ queryKey: trpc.taches.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.dashboard.pathKey() });
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  return (
    <button
      type="button"
      className={`btn btn--success-ghost${small ? ' btn--small' : ''}`}
      disabled={complete.isPending}
      onClick={() => complete.mutate({ id })}
    >
      ✓ Terminer<span className="sr-only"> « {titre} »</span>
    </button>
  );
}
