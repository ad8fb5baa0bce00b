import { createElement, lazy, type ComponentType, type LazyExoticComponent } from 'react';

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
 * A bare React.lazy keeps a failed import forever; here, once « Réessayer » was pressed after the
 * failure (offline, a chunk gone after a deploy), the next render imports again. Not before: React
 * renders a rejected component again to get its error, which must then stay the same.
 */
export function lazyPage<K extends string, M extends { [P in K]: ComponentType<any> }>(load: () => Promise<M>, name: K): LazyPage<M[K]> {
  let failedAt: number | null = null;
  const attempt = (): LazyExoticComponent<M[K]> =>
    lazy(() =>
      load().then(
        (module) => ({ default: module[name] }),
        (error: unknown) => {
          failedAt = retries;
          throw error;
        },
      ),
    );
  let current = attempt();
  const Page = (props: object) => {
    if (failedAt !== null && retries > failedAt) {
      failedAt = null;
      current = attempt();
    }
    return createElement(current, props as any);
  };
  Page.displayName = `Lazy(${name})`;
  // The browser keeps one copy of a module: the later render's import gets this one.
  Page.preload = () => void load().catch(() => {});
  return Page as unknown as LazyPage<M[K]>;
}
