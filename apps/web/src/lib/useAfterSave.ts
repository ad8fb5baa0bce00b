import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useNotify } from '../components/Notifications';

/** What every form does once the server accepted it: refresh the caches it touched, say so, go on. */
export function useAfterSave(opts: {
  invalidate: QueryKey[];
  message: string;
  to?: (saved: { id: number }) => string | null;
  /** Before navigating: e.g. the form's `markSaved` (drops its draft, stops asking before leaving). */
  onSaved?: () => void;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const notify = useNotify();
  return (saved: { id: number }) => {
    opts.onSaved?.();
    for (const queryKey of opts.invalidate) void queryClient.invalidateQueries({ queryKey });
    notify(opts.message);
    const to = opts.to?.(saved);
    if (to) navigate(to);
  };
}
