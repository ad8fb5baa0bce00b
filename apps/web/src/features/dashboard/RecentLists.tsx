import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared/labels';
import { useTRPC } from '../../lib/trpc';
import { formatDate, formatMoney } from '../../lib/format';
import { EmptyState, QueryState } from '../../components/Status';
import { PrioriteBadge, ProjetStatutBadge, RetardBadge } from '../../components/badges';
import { TerminerButton } from '../../components/TerminerButton';

export function RecentLists() {
  const trpc = useTRPC();
  const opps = useQuery(trpc.dashboard.opportunitesActives.queryOptions({ limit: 6 }));
  const [mine, setMine] = useState(false);
  const taches = useQuery(
    trpc.dashboard.tachesAVenir.queryOptions({ limit: 6, ...(mine ? { mine: 'true' as const } : {}) }),
  );
  const clients = useQuery(trpc.dashboard.clientsRecents.queryOptions({ limit: 5 }));
  const projets = useQuery(trpc.dashboard.projetsRecents.queryOptions({ limit: 5 }));
  return (
    <div className="grid-2">
      <Panel
        title="Opportunités actives"
        link="/opportunites/pipeline"
        query={opps}
        empty="Aucune opportunité en cours."
      >
        {opps.data?.map((o) => (
          <li key={o.id}>
            <div>
              <Link to={`/opportunites/${o.id}`}>{o.nom}</Link>
              <div className="muted small">
                {o.clientNom} · {LABELS.etape[o.etape]} ·{' '}
                {o.dateConclusionEstimee ? formatDate(o.dateConclusionEstimee) : 'sans échéance'}
              </div>
            </div>
            <strong>{formatMoney(o.montant)}</strong>
          </li>
        ))}
      </Panel>
      <Panel
        title="Tâches à venir"
        link={mine ? '/taches/tableau?assigneA=me' : '/taches/tableau'}
        query={taches}
        empty="Aucune tâche à venir."
        extra={
          <label className="checkbox small">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} />
            Mes tâches
          </label>
        }
      >
        {taches.data?.map((t) => (
          <li key={t.id}>
            <div>
              <Link to={`/taches/${t.id}`}>{t.titre}</Link>
              <div className="muted small">
                {formatDate(t.dateEcheance)} {t.clientNom && `· ${t.clientNom}`} <RetardBadge late={t.enRetard} />
              </div>
            </div>
            <span className="row-actions">
              <PrioriteBadge value={t.priorite} />
              <TerminerButton id={t.id} titre={t.titre} small />
            </span>
          </li>
        ))}
      </Panel>
      <Panel title="Clients récents" link="/clients?ordering=-dateCreation" query={clients} empty="Aucun client.">
        {clients.data?.map((c) => (
          <li key={c.id}>
            <div>
              <Link to={`/clients/${c.id}`}>{c.nom}</Link>
              <div className="muted small">{c.societe || c.email || '—'}</div>
            </div>
            <span className="muted small">{formatDate(c.dateCreation)}</span>
          </li>
        ))}
      </Panel>
      <Panel title="Projets récents" link="/projets" query={projets} empty="Aucun projet.">
        {projets.data?.map((p) => (
          <li key={p.id}>
            <div>
              <Link to={`/projets/${p.id}`}>{p.titre}</Link>
              <div className="muted small">{p.clientNom}</div>
            </div>
            <ProjetStatutBadge value={p.statut} />
          </li>
        ))}
      </Panel>
    </div>
  );
}

function Panel({
  title,
  link,
  query,
  empty,
  extra,
  children,
}: {
  extra?: ReactNode;
  title: string;
  link: string;
  query: { isPending: boolean; error: unknown; data?: unknown[] };
  empty: string;
  children: ReactNode;
}) {
  return (
    <section className="card">
      <div className="card-header">
        <h2>{title}</h2>
        {extra}
        <Link to={link} className="small">
          Tout voir
        </Link>
      </div>
      <QueryState query={query} isEmpty={query.data?.length === 0} empty={<EmptyState title={empty} />}>
        <ul className="mini-list">{children}</ul>
      </QueryState>
    </section>
  );
}
