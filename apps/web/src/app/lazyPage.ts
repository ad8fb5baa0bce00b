import { createElement, lazy, type ComponentType, type LazyExoticComponent } from 'react';

/**
 * A component whose code loads on first render (a chunk of its own), from a module's named export.
 * Unlike a bare React.lazy, which keeps a failed import forever, a failure (offline, a chunk gone
 * after a deploy) is forgotten: the next render, after « Réessayer », imports again.
 */
export function lazyPage<M extends Record<K, ComponentType<any>>, K extends keyof M & string>(load: () => Promise<M>, name: K): M[K] {
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
  return Page as unknown as M[K];
}
