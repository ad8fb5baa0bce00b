import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { Page } from '@crm/shared';
import { fullErrorMessage } from '../../lib/errors';
import { useNotify } from '../Notifications';
import { applyMoveToColumn, type BoardCard, type Move } from './boardLogic';

interface Options<K extends string, T extends BoardCard, X> {
  /** Identifies this board's moves (so that only the last pending move triggers a refetch). */
  key: string;
  columns: readonly K[];
  /** Query key of the list query that feeds a column. */
  queryKeyOf: (column: K) => QueryKey;
  setColumn: (card: T, column: K) => T;
  send: (move: Move<K>, extra: X | undefined) => Promise<unknown>;
  /** Other caches made stale by a move (dashboard, detail pages…). */
  alsoInvalidate?: QueryKey[];
}

type Snapshot<T> = [QueryKey, Page<T> | undefined][];

/**
 * A card move with an optimistic cache update: the card lands at once; if the server refuses,
 * every column is put back as it was and a French message says why.
 */
export function useBoardMove<K extends string, T extends BoardCard, X = undefined>(opts: Options<K, T, X>) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const mutationKey = ['board-move', opts.key];
  const mutation = useMutation<unknown, unknown, { move: Move<K>; extra?: X }, { snapshot: Snapshot<T> }>({
    mutationKey,
    mutationFn: ({ move, extra }) => opts.send(move, extra),
    onMutate: async ({ move }) => {
      const keys = [move.from, move.to].map((c) => opts.queryKeyOf(c));
      await Promise.all(keys.map((queryKey) => queryClient.cancelQueries({ queryKey })));
      const snapshot: Snapshot<T> = keys.map((k) => [k, queryClient.getQueryData<Page<T>>(k)]);
      const moved = snapshot[0][1]?.results.find((c) => c.id === move.id);
      if (moved) {
        for (const column of new Set([move.from, move.to])) {
          queryClient.setQueryData<Page<T>>(opts.queryKeyOf(column), (page) => {
            if (!page) return page;
            const results = applyMoveToColumn(column, page.results, move, moved, opts.setColumn);
            return { ...page, results, count: page.count + (results.length - page.results.length) };
          });
        }
      }
      return { snapshot };
    },
    onError: (error, _vars, context) => {
      for (const [k, data] of context?.snapshot ?? []) queryClient.setQueryData(k, data);
      notify(`Déplacement annulé : ${fullErrorMessage(error) || 'le serveur a refusé la modification.'}`, 'error');
    },
    onSettled: () => {
      if (queryClient.isMutating({ mutationKey }) > 1) return;
      for (const c of opts.columns) void queryClient.invalidateQueries({ queryKey: opts.queryKeyOf(c) });
      for (const k of opts.alsoInvalidate ?? []) void queryClient.invalidateQueries({ queryKey: k });
    },
  });
  return {
    move: (move: Move<K>, extra?: X) => mutation.mutate({ move, extra }),
    isPending: mutation.isPending,
  };
}
