import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { formatMoney, formatPercent, plural } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { StatCard } from '../../components/DetailList';
import { QueryState } from '../../components/Status';
import { displayName, useCurrentUser } from '../../lib/currentUser';
import { PipelineChart, PerformanceChart } from './DashboardCharts';
import { RecentLists } from './RecentLists';

export function DashboardPage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const stats = useQuery(trpc.dashboard.stats.queryOptions());
  const perf = useQuery(trpc.dashboard.performance.queryOptions());
  const s = stats.data;
  return (
    <>
      <PageHeader title={`Bonjour ${displayName(user)}`} subtitle="Votre activité commerciale en un coup d'œil." />
      <QueryState query={stats}>
        {s && (
          <section className="stats" aria-label="Indicateurs">
            <StatCard label="Clients" value={s.totalClients} hint={<Link to="/clients">Voir les clients</Link>} />
            <StatCard
              label="Projets"
              value={s.totalProjets}
              hint={`${s.projetsParStatut.en_cours} en cours · ${s.projetsParStatut.a_faire} à faire`}
            />
            <StatCard
              label="Opportunités ouvertes"
              value={s.opportunitesOuvertes}
              hint={`sur ${s.totalOpportunites} au total`}
            />
            <StatCard
              label="Pipeline"
              value={formatMoney(s.montantPipeline)}
              hint={`pondéré ${formatMoney(s.montantPondere)}`}
              tone="primary"
            />
            <StatCard
              label="Tâches en retard"
              value={s.tachesEnRetard}
              hint={<Link to="/taches?enRetard=true">sur {s.totalTaches} tâches</Link>}
              tone={s.tachesEnRetard > 0 ? 'danger' : undefined}
            />
            <StatCard
              label="Devis en attente"
              value={s.devisEnAttente}
              hint={<Link to="/devis?statut=envoye">Envoyés au client</Link>}
            />
            {perf.data && (
              <StatCard
                label="Taux de conversion"
                value={formatPercent(perf.data.tauxConversion)}
                hint={`${plural(perf.data.nbGagnees, 'gagnée', 'gagnées')} · ${plural(perf.data.nbPerdues, 'perdue', 'perdues')} · cycle ${perf.data.cycleVenteMoyenJours.toLocaleString('fr-FR')} j`}
                tone="success"
              />
            )}
          </section>
        )}
      </QueryState>
      <div className="grid-2 charts">
        <section className="card">
          <h2>Pipeline par étape</h2>
          <PipelineChart />
        </section>
        <section className="card">
          <h2>Gagnées et perdues par mois</h2>
          <QueryState query={perf}>{perf.data && <PerformanceChart perf={perf.data} />}</QueryState>
        </section>
      </div>
      <RecentLists />
    </>
  );
}
