import { Component, Suspense, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { ChunkErrorBoundary } from './ChunkErrorBoundary';
import { lazyPage } from './lazyPage';

const Hello = () => <h1>Bonjour</h1>;
const chunkError = () =>
  new TypeError('Failed to fetch dynamically imported module: http://localhost/assets/Hello-AbCdEf12.js');
const settle = () => act(async () => new Promise((r) => setTimeout(r, 20)));

/** Stands for the route's error page (RouteError): what ChunkErrorBoundary lets through. */
class RouteErrorProbe extends Component<{ onError: (e: unknown) => void; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  componentDidCatch(error: unknown) {
    this.props.onError(error);
  }
  render() {
    return this.state.failed ? <p>Erreur de la route</p> : this.props.children;
  }
}

async function mount(Page: () => ReactNode, onError: (e: unknown) => void = () => {}) {
  await act(async () => {
    render(
      <RouteErrorProbe onError={onError}>
        <ChunkErrorBoundary resetKey="/">
          <Suspense fallback={<p>Chargement…</p>}>
            <Page />
          </Suspense>
        </ChunkErrorBoundary>
      </RouteErrorProbe>,
    );
  });
  await settle();
}

afterEach(cleanup);

describe('lazyPage + ChunkErrorBoundary', () => {
  it('a chunk that fails shows « Réessayer » after one import (no loop); « Réessayer » imports again', async () => {
    let calls = 0;
    const Page = lazyPage(() => (++calls === 1 ? Promise.reject(chunkError()) : Promise.resolve({ Hello })), 'Hello');
    await mount(Page);
    expect(screen.getByRole('heading', { name: 'Page indisponible' })).toBeTruthy();
    await settle();
    expect(calls).toBe(1);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Réessayer' })));
    await settle();
    expect(screen.getByRole('heading', { name: 'Bonjour' })).toBeTruthy();
    expect(calls).toBe(2);
  });

  it('preloaded code renders at once, without the loading state', async () => {
    const Page = lazyPage(() => Promise.resolve({ Hello }), 'Hello');
    Page.preload();
    await settle();
    render(<Page />);
    expect(screen.getByRole('heading', { name: 'Bonjour' })).toBeTruthy();
  });

  it('an error that is not a failed chunk goes on to the route error page', async () => {
    const Broken = lazyPage(
      () =>
        Promise.resolve({
          Hello: (): ReactNode => {
            throw new Error('bug');
          },
        }),
      'Hello',
    );
    let caught: unknown;
    await mount(Broken, (e) => (caught = e));
    expect((caught as Error)?.message).toBe('bug');
    expect(screen.getByText('Erreur de la route')).toBeTruthy();
  });
});
