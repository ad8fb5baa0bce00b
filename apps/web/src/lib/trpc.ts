import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@crm/api/router';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { apiFetch } from './http';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function makeTrpcClient(origin = '') {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${origin}/trpc`,
        maxURLLength: 4000,
        fetch: (url, opts) => apiFetch(url, opts as RequestInit),
      }),
    ],
  });
}

export type TrpcError = TRPCClientError<AppRouter>;
export { TRPCClientError };
