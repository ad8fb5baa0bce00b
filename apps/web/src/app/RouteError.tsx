import { Link, useRouteError } from 'react-router-dom';

/** Shown instead of a page that crashed while rendering (a bug, or a chunk that failed to load). */
export function RouteError() {
  const error = useRouteError();
  const chunk =
    error instanceof Error &&
    /dynamically imported module|Loading chunk|Importing a module script failed/i.test(error.message);
  // A page's code that cannot load while offline is not a new version: say offline.
  const offline = navigator.onLine === false;
  return (
    <main className="login">
      <div className="login-card" role="alert">
        <h1>Une erreur est survenue</h1>
        <p className="muted">
          {offline
            ? 'Vous êtes hors ligne : cette page n’a pas pu se charger. Réessayez dès le retour du réseau.'
            : chunk
              ? 'Une nouvelle version de l’application est disponible : rechargez la page.'
              : 'Cette page n’a pas pu s’afficher. Réessayez ou revenez au tableau de bord.'}
        </p>
        <div className="form-actions">
          <button type="button" className="btn btn--ghost" onClick={() => window.location.reload()}>
            Recharger
          </button>
          <Link className="btn btn--primary" to="/">
            Tableau de bord
          </Link>
        </div>
      </div>
    </main>
  );
}
