import { useRef } from 'react';
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { Page } from '@crm/shared';
import { fullErrorMessage } from '../../lib/errors';
import { useNotify } from '../Notifications';
import { applyMoveToPages, type BoardCard, type Move } from './boardLogic';

interface Options<K extends string, T extends BoardCard, X> {
  /** Identifies this board's moves (so that only the last pending move triggers a refetch). */
  key: string;
  /** Query keys of the loaded pages of a column's list, in order (see useBoardColumns). */
  pageKeysOf: (column: K) => QueryKey[];
  setColumn: (card: T, column: K) => T;
  send: (move: Move<K>, extra: X | undefined) => Promise<unknown>;
  /** Other caches made stale by a move (column totals, dashboard, detail pages…). */
  alsoInvalidate?: QueryKey[];
}

type Snapshot<T> = [QueryKey, Page<T> | undefined][];

/**
 * A card move with an optimistic cache update: the card lands at once, in whatever loaded page of
 * the target column it was dropped; if the server refuses, every page is put back as it was and a
 * French message says why. Once the last pending move is settled, the pages of the columns that
 * moves touched are read again (the other columns did not change).
 */
export function useBoardMove<K extends string, T extends BoardCard, X = undefined>(opts: Options<K, T, X>) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const mutationKey = ['board-move', opts.key];
  // The callbacks run after later renders: they read the page keys loaded by then.
  const latest = useRef(opts);
  latest.current = opts;
  const touched = useRef(new Set<K>());
  const mutation = useMutation<unknown, unknown, { move: Move<K>; extra?: X }, { snapshot: Snapshot<T> }>({
    mutationKey,
    mutationFn: ({ move, extra }) => latest.current.send(move, extra),
    onMutate: async ({ move }) => {
      const o = latest.current;
      touched.current.add(move.from).add(move.to);
      const columns = [...new Set([move.from, move.to])];
      const keys = columns.flatMap((c) => o.pageKeysOf(c));
      await Promise.all(keys.map((queryKey) => queryClient.cancelQueries({ queryKey, exact: true })));
      const snapshot: Snapshot<T> = keys.map((k) => [k, queryClient.getQueryData<Page<T>>(k)]);
      const moved = o
        .pageKeysOf(move.from)
        .map((k) => queryClient.getQueryData<Page<T>>(k)?.results.find((c) => c.id === move.id))
        .find(Boolean);
      if (moved) {
        for (const column of columns) {
          const pageKeys = o.pageKeysOf(column);
          const pages = pageKeys.map((k) => queryClient.getQueryData<Page<T>>(k));
          const next = applyMoveToPages(
            column,
            pages.map((p) => p?.results ?? []),
            move,
            moved,
            o.setColumn,
          );
          const delta =
            column === move.from && column !== move.to ? -1 : column === move.to && column !== move.from ? 1 : 0;
          pageKeys.forEach((k, i) => {
            const page = pages[i];
            if (page) queryClient.setQueryData<Page<T>>(k, { ...page, results: next[i], count: page.count + delta });
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
      const o = latest.current;
      const columns = [...touched.current];
      touched.current.clear();
      for (const c of columns)
        for (const queryKey of o.pageKeysOf(c)) void queryClient.invalidateQueries({ queryKey, exact: true });
      for (const k of o.alsoInvalidate ?? []) void queryClient.invalidateQueries({ queryKey: k });
    },
  });
  return {
    move: (move: Move<K>, extra?: X) => mutation.mutate({ move, extra }),
    isPending: mutation.isPending,
  };
}
