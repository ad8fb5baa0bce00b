import { useEffect, useState } from 'react';

/**
 * Unread count pushed by the API (`GET /api/notifications/flux/`, Server-Sent Events, session
 * cookie). Returns the latest count and whether the stream is live; while it is not (no
 * EventSource, proxy that cuts streams, expired session), callers poll instead. The browser
 * reconnects by itself after the server ends the stream (every 15 minutes).
 */
export function useUnreadStream(onCount: (n: number) => void): { live: boolean } {
  const [live, setLive] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: opened once; `onCount` is read through the closure of the latest render on purpose, so the stream stays open
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/notifications/flux/', { withCredentials: true });
    const onMessage = (e: MessageEvent<string>) => {
      try {
        onCount((JSON.parse(e.data) as { nonLues: number }).nonLues);
      } catch {
        /* ignore a malformed event */
      }
    };
    source.addEventListener('nonLues', onMessage as EventListener);
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(source.readyState === EventSource.OPEN);
    return () => {
      source.removeEventListener('nonLues', onMessage as EventListener);
      source.close();
      setLive(false);
    };
  }, []);
  return { live };
}
