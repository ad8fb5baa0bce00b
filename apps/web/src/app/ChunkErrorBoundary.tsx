import { Component, type ReactNode } from 'react';
import { retryFailedImports } from './lazyPage';

/** What browsers and Vite's preloader throw when a chunk cannot be fetched (offline, 404 after a deploy). */
const CHUNK_ERROR =
  /dynamically imported module|Importing a module script failed|Unable to preload CSS|Loading (CSS )?chunk/i;
export const isChunkLoadError = (error: unknown): boolean => error instanceof Error && CHUNK_ERROR.test(error.message);

interface Props {
  children: ReactNode;
  /** A new value (the next page) clears the error. */
  resetKey: string;
  /** Where the message goes (e.g. inside the app frame); the children's place by default. */
  frame?: (content: ReactNode) => ReactNode;
}
interface State {
  error: unknown;
  resetKey: string;
}

/**
 * Catches a page whose code failed to load and offers « Réessayer » (load it again, see lazyPage)
 * in place of the page, the app frame around it untouched. Any other error is not a loading
 * problem: it goes on to the route's error page.
 */
export class ChunkErrorBoundary extends Component<Props, State> {
  state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    if (!isChunkLoadError(error)) throw error;
    const content = (
      <ChunkLoadFailed
        onRetry={() => {
          retryFailedImports();
          this.setState({ error: null });
        }}
      />
    );
    return this.props.frame ? this.props.frame(content) : content;
  }
}

function ChunkLoadFailed({ onRetry }: { onRetry: () => void }) {
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  return (
    <div className="empty empty--page">
      <h1 tabIndex={-1}>Page indisponible</h1>
      <p className="alert alert--error" role="alert">
        {offline
          ? 'Vous êtes hors ligne : cette page n’a pas pu se charger. Réessayez dès le retour du réseau.'
          : 'Cette page n’a pas pu se charger : la connexion est instable, ou une nouvelle version de l’application vient d’être installée (rechargez alors la page).'}
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn--primary" onClick={onRetry}>
          Réessayer
        </button>
        <button type="button" className="btn btn--ghost" onClick={() => window.location.reload()}>
          Recharger la page
        </button>
      </div>
    </div>
  );
}
