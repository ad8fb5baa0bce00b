import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { Page } from '@crm/shared';
import { NotificationsProvider } from '../Notifications';
import { useBoardMove } from './useBoardMove';

type Col = 'a_faire' | 'en_cours';
interface Card {
  id: number;
  position: number;
  statut: Col;
}
const key = (c: Col) => ['taches', { statut: c }];
const page = (results: Card[]): Page<Card> => ({ count: results.length, page: 1, pageSize: 100, results });

function setup(send: () => Promise<unknown>) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(
    key('a_faire'),
    page([
      { id: 1, position: 0, statut: 'a_faire' },
      { id: 2, position: 1, statut: 'a_faire' },
    ]),
  );
  qc.setQueryData(key('en_cours'), page([{ id: 3, position: 0, statut: 'en_cours' }]));
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={qc}>
      <NotificationsProvider>{children}</NotificationsProvider>
    </QueryClientProvider>
  );
  const hook = renderHook(
    () =>
      useBoardMove<Col, Card>({
        key: 'test',
        pageKeysOf: (c) => [key(c)],
        setColumn: (c, statut) => ({ ...c, statut }),
        send,
      }),
    { wrapper },
  );
  const ids = (c: Col) => qc.getQueryData<Page<Card>>(key(c))!.results.map((x) => `${x.id}:${x.statut}:${x.position}`);
  return { qc, hook, ids, wrapper };
}

const move = { id: 1, from: 'a_faire' as Col, to: 'en_cours' as Col, fromIndex: 0, toIndex: 1 };

describe('useBoardMove', () => {
  it('moves the card in the caches before the server answers', async () => {
    let resolve!: () => void;
    const { hook, ids, qc } = setup(() => new Promise<void>((r) => (resolve = r)));
    act(() => hook.result.current.move(move));
    await waitFor(() => expect(ids('en_cours')).toEqual(['3:en_cours:0', '1:en_cours:1']));
    expect(ids('a_faire')).toEqual(['2:a_faire:0']);
    expect(qc.getQueryData<Page<Card>>(key('a_faire'))!.count).toBe(1);
    await act(async () => resolve());
  });

  it('puts everything back and says why when the server refuses', async () => {
    const { hook, ids, wrapper } = setup(() => Promise.reject(new Error('Conflit sur la carte')));
    render(<span />, { wrapper });
    act(() => hook.result.current.move(move));
    await waitFor(() => expect(ids('a_faire')).toEqual(['1:a_faire:0', '2:a_faire:1']));
    expect(ids('en_cours')).toEqual(['3:en_cours:0']);
    expect((await screen.findByRole('alert')).textContent).toContain('Déplacement annulé : Conflit sur la carte');
  });

  it('lands beyond the first page of a paged column, and reads only the touched columns again', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    const pageKey = (c: Col, n: number) => ['taches', { statut: c, page: n }];
    const paged = (n: number, results: Card[]): Page<Card> => ({ count: 4, page: n, pageSize: 2, results });
    qc.setQueryData(
      pageKey('en_cours', 1),
      paged(1, [
        { id: 3, position: 0, statut: 'en_cours' },
        { id: 4, position: 1, statut: 'en_cours' },
      ]),
    );
    qc.setQueryData(
      pageKey('en_cours', 2),
      paged(2, [
        { id: 5, position: 2, statut: 'en_cours' },
        { id: 6, position: 3, statut: 'en_cours' },
      ]),
    );
    qc.setQueryData(pageKey('a_faire', 1), page([{ id: 1, position: 0, statut: 'a_faire' }]));
    qc.setQueryData(['autre'], 'inchangé');
    let resolve!: () => void;
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={qc}>
        <NotificationsProvider>{children}</NotificationsProvider>
      </QueryClientProvider>
    );
    const hook = renderHook(
      () =>
        useBoardMove<Col, Card>({
          key: 'paged',
          pageKeysOf: (c) => (c === 'en_cours' ? [pageKey(c, 1), pageKey(c, 2)] : [pageKey(c, 1)]),
          setColumn: (c, statut) => ({ ...c, statut }),
          send: () => new Promise<void>((r) => (resolve = r)),
        }),
      { wrapper },
    );
    const ids = (k: unknown[]) => qc.getQueryData<Page<Card>>(k)!.results.map((x) => x.id);
    act(() => hook.result.current.move({ id: 1, from: 'a_faire', to: 'en_cours', fromIndex: 0, toIndex: 3, avant: 6 }));
    await waitFor(() => expect(ids(pageKey('en_cours', 2))).toEqual([5, 1, 6]));
    expect(ids(pageKey('en_cours', 1))).toEqual([3, 4]);
    expect(qc.getQueryData<Page<Card>>(pageKey('en_cours', 2))!.count).toBe(5);
    expect(ids(pageKey('a_faire', 1))).toEqual([]);
    await act(async () => resolve());
    await waitFor(() => expect(qc.getQueryState(pageKey('en_cours', 2))!.isInvalidated).toBe(true));
    expect(qc.getQueryState(pageKey('a_faire', 1))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(['autre'])!.isInvalidated).toBe(false);
  });
});
