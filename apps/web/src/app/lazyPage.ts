import { createElement, lazy, type ComponentType, type LazyExoticComponent } from 'react';

export type LazyPage<C> = C & {
  /** Starts fetching the code now (e.g. beside another request); failures are left to the render. */
  preload(): void;
};

/**
 * A component whose code loads on first render (a chunk of its own), from a module's named export.
 * Unlike a bare React.lazy, which keeps a failed import forever, a failure (offline, a chunk gone
 * after a deploy) is forgotten: the next render, after « Réessayer », imports again.
 */
export function lazyPage<K extends string, M extends { [P in K]: ComponentType<any> }>(load: () => Promise<M>, name: K): LazyPage<M[K]> {
  const attempt = (): LazyExoticComponent<M[K]> =>
    lazy(() =>
      load().then(
        (module) => ({ default: module[name] }),
        (error: unknown) => {
          current = attempt();
          throw error;
        },
      ),
    );
  let current = attempt();
  const Page = (props: object) => createElement(current, props as any);
  Page.displayName = `Lazy(${name})`;
  // The browser keeps one copy of a module: the later render's import gets this one.
  Page.preload = () => void load().catch(() => {});
  return Page as unknown as LazyPage<M[K]>;
}
