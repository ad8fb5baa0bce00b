import { Suspense } from 'react';
import { useLocation } from 'react-router-dom';
import { ShellPlaceholder } from './ShellPlaceholder';
import { ChunkErrorBoundary } from './ChunkErrorBoundary';
import { lazyPage } from './lazyPage';

/**
 * The signed-in part's frame, a chunk of its own (routes.tsx): the session check and the app
 * frame drawn while it runs, then Layout (menu, search, notifications), itself loaded on demand.
 * The login page loads none of it.
 */
export { RequireAuth } from '../features/auth/RequireAuth';

const Layout = lazyPage(() => import('./Layout'), 'Layout');

/** Layout once its code is there; until then (or if it cannot load) the app frame alone. */
export function LazyLayout() {
  const { pathname } = useLocation();
  return (
    <ChunkErrorBoundary resetKey={pathname} frame={(content) => <ShellPlaceholder>{content}</ShellPlaceholder>}>
      <Suspense fallback={<ShellPlaceholder />}>
        <Layout />
      </Suspense>
    </ChunkErrorBoundary>
  );
}
// Preloading the frame (routes.tsx) preloads Layout as well.
LazyLayout.preload = Layout.preload;
