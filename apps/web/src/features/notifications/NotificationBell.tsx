import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { formatDateTime } from '../../lib/format';
import { useUnreadStream } from './useUnreadStream';
import './notifications.css';

const POLL_MS = 30_000;

/** Header bell: unread counter (live through SSE, polling fallback) and the latest notifications. */
export function NotificationBell() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const invalidate = () => void queryClient.invalidateQueries({ queryKey: trpc.notifications.pathKey() });
  const [pushed, setPushed] = useState<number | null>(null);
  const { live } = useUnreadStream((n) => {
    setPushed(n);
    invalidate();
  });
  const unread = useQuery({
    ...trpc.notifications.list.queryOptions({ nonLues: 'true', page: 1, pageSize: 1 }),
    refetchInterval: live ? false : POLL_MS,
  });
  const latest = useQuery({ ...trpc.notifications.list.queryOptions({ page: 1, pageSize: 10 }), enabled: open });
  const markAll = useMutation(trpc.notifications.toutLu.mutationOptions({ onSuccess: invalidate }));
  const markOne = useMutation(trpc.notifications.lue.mutationOptions({ onSuccess: invalidate }));
  const count = unread.data?.count ?? pushed ?? 0;

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onClick = (e: MouseEvent) => !rootRef.current?.contains(e.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  return (
    <div className="notif" ref={rootRef}>
      <button
        type="button"
        className="btn btn--ghost btn--small notif-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((v) => !v)}
      >
        Notifications
        <span className={`notif-count${count ? ' notif-count--on' : ''}`} aria-live="polite">
          {count}
          <span className="sr-only"> non lue{count > 1 ? 's' : ''}</span>
        </span>
      </button>
      {open && (
        <div id={panelId} className="notif-panel" role="region" aria-label="Notifications">
          <div className="notif-panel-header">
            <strong>Notifications</strong>
            <button
              type="button"
              className="btn btn--ghost btn--small"
              onClick={() => markAll.mutate()}
              disabled={!count || markAll.isPending}
            >
              Tout marquer comme lu
            </button>
          </div>
          {latest.isPending ? (
            <p className="muted small">Chargement…</p>
          ) : latest.data?.results.length ? (
            <ul className="notif-list">
              {latest.data.results.map((n) => (
                <li key={n.id} className={n.lue ? 'notif-item' : 'notif-item notif-item--unread'}>
                  <Link
                    to={n.lien || '/'}
                    onClick={() => {
                      if (!n.lue) markOne.mutate({ id: n.id });
                      setOpen(false);
                    }}
                  >
                    {n.message}
                  </Link>
                  <div className="muted small">
                    {formatDateTime(n.dateCreation)}
                    {!n.lue && (
                      <>
                        {' · '}
                        <button type="button" className="link-button" onClick={() => markOne.mutate({ id: n.id })}>
                          Marquer comme lue
                        </button>
                      </>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">Aucune notification.</p>
          )}
        </div>
      )}
    </div>
  );
}
