import { useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router-dom';
import { makeTrpcClient, TRPCProvider } from '../lib/trpc';
import { setSessionLostHandler } from '../lib/http';
import { NotificationsProvider } from '../components/Notifications';
import { makeQueryClient } from './queryClient';
import { makeRouter } from './routes';

export function App() {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => makeTrpcClient());
  const [router] = useState(() => {
    const r = makeRouter();
    // A 401 that survived the refresh: the session is over (expired, revoked, logged out elsewhere).
    // The page's form drafts stay in sessionStorage and come back after the login.
    setSessionLostHandler(({ expired }) => {
      const { pathname, search } = r.state.location;
      if (pathname === '/login') return;
      queryClient.clear();
      void r.navigate(`/login?next=${encodeURIComponent(pathname + search)}${expired ? '&session=expiree' : ''}`, {
        replace: true,
      });
    });
    return r;
  });
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <NotificationsProvider>
          <RouterProvider router={router} />
        </NotificationsProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
