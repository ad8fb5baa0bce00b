import { createElement, use, type ComponentType } from 'react';

export type LazyPage<C> = C & {
  /** Starts fetching the code now (e.g. beside another request); failures are left to the render. */
  preload(): void;
};

/** Bumped by « Réessayer » (ChunkErrorBoundary): imports that failed before are tried again. */
let retries = 0;
export function retryFailedImports(): void {
  retries++;
}

/**
 * A component whose code loads on first render (a chunk of its own), from a module's named export.
 * Like React.lazy, it suspends while the code loads; unlike it, code already there (preloaded)
 * renders at once, and a failed import (offline, a chunk gone after a deploy) is tried again on
 * the first render after « Réessayer ». Not before: React renders a failed component again to get
 * its error, which must then stay the same. `preload()` of the loaded component runs too (a
 * frame that lazy-loads its own part).
 */
export function lazyPage<K extends string, M extends { [P in K]: ComponentType<any> }>(
  load: () => Promise<M>,
  name: K,
): LazyPage<M[K]> {
  let component: M[K] | undefined;
  let loading: Promise<void> | undefined;
  let failedAt: number | null = null;
  const start = (): Promise<void> =>
    (loading ??= load().then(
      (module) => {
        component = module[name];
      },
      (error: unknown) => {
        failedAt = retries;
        throw error;
      },
    ));
  const Page = (props: object) => {
    if (!component) {
      if (failedAt !== null && retries > failedAt) {
        failedAt = null;
        loading = undefined;
      }
      use(start());
    }
    return createElement(component!, props as any);
  };
  Page.displayName = `Lazy(${name})`;
  Page.preload = () =>
    void start().then(
      () => (component as { preload?: () => void } | undefined)?.preload?.(),
      () => {},
    );
  return Page as unknown as LazyPage<M[K]>;
}
