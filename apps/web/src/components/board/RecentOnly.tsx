/** Closed columns (Conclusion, Terminée) show their last days by default; « Voir tout » shows everything. */
export const RECENT_DAYS = 30;

/** The first day (UTC, YYYY-MM-DD) a closed column shows by default. */
export const recentSince = (now = Date.now()): string =>
  new Date(now - RECENT_DAYS * 86_400_000).toISOString().slice(0, 10);

export function RecentOnlyToggle({ all, onChange }: { all: boolean; onChange: (all: boolean) => void }) {
  return (
    <div className="column-tools">
      <span className="small muted">{all ? 'Tout l’historique' : `${RECENT_DAYS} derniers jours`}</span>
      <button type="button" className="btn btn--ghost btn--small" onClick={() => onChange(!all)}>
        {all ? `${RECENT_DAYS} derniers jours` : 'Voir tout'}
      </button>
    </div>
  );
}
