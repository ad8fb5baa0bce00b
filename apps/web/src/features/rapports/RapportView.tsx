import { useQuery } from '@tanstack/react-query';
import { LABELS } from '@crm/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { formatMoney, formatMonth, formatNumber, formatPercent, plural } from '../../lib/format';
import { BarChart, COLORS, euroAxis } from '../../components/charts';
import { StatCard } from '../../components/DetailList';
import { EmptyState, QueryState } from '../../components/Status';
import { SimpleTable } from './SimpleTable';

type Filtres = Record<string, unknown>;
type Out = RouterOutputs['rapports'];

/** One query per report; the filters were already narrowed to what that report accepts. */
export function RapportView({ rapport, filtres }: { rapport: keyof Out; filtres: Filtres }) {
  const trpc = useTRPC();
  const f = filtres as never;
  const clients = useQuery({ ...trpc.rapports.clients.queryOptions(f), enabled: rapport === 'clients' });
  const projets = useQuery({ ...trpc.rapports.projets.queryOptions(f), enabled: rapport === 'projets' });
  const opps = useQuery({ ...trpc.rapports.opportunites.queryOptions(f), enabled: rapport === 'opportunites' });
  const pipeline = useQuery({ ...trpc.rapports.pipeline.queryOptions(f), enabled: rapport === 'pipeline' });
  const perfs = useQuery({ ...trpc.rapports.performances.queryOptions(f), enabled: rapport === 'performances' });
  switch (rapport) {
    case 'clients':
      return <QueryState query={clients}>{clients.data && <ClientsReport r={clients.data} />}</QueryState>;
    case 'projets':
      return <QueryState query={projets}>{projets.data && <ProjetsReport r={projets.data} />}</QueryState>;
    case 'opportunites':
      return <QueryState query={opps}>{opps.data && <OpportunitesReport r={opps.data} />}</QueryState>;
    case 'pipeline':
      return <QueryState query={pipeline}>{pipeline.data && <PipelineReport r={pipeline.data} />}</QueryState>;
    default:
      return <QueryState query={perfs}>{perfs.data && <PerformancesReport r={perfs.data} />}</QueryState>;
  }
}

function MonthChart({
  label,
  rows,
  value,
  money,
}: {
  label: string;
  rows: { mois: string }[];
  value: (r: never) => number;
  money?: boolean;
}) {
  if (rows.length === 0) return null;
  return (
    <section className="card">
      <h2>{label}</h2>
      <BarChart
        label={label}
        format={money ? formatMoney : formatNumber}
        options={money ? euroAxis(formatMoney) : { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }}
        data={{
          labels: rows.map((r) => formatMonth(r.mois)),
          datasets: [
            { label, data: rows.map((r) => value(r as never)), backgroundColor: COLORS.primary, borderRadius: 4 },
          ],
        }}
      />
    </section>
  );
}

function ClientsReport({ r }: { r: Out['clients'] }) {
  return (
    <>
      <section className="stats">
        <StatCard label="Clients" value={r.total} />
        <StatCard label="Valeur totale (gagnée)" value={formatMoney(r.valeurTotale)} tone="success" />
        <StatCard label="Pipeline pondéré" value={formatMoney(r.pipelinePondere)} />
      </section>
      <div className="grid-2">
        <SimpleTable
          title="Par catégorie"
          rows={r.parCategorie}
          columns={[
            ['Catégorie', (x) => x.categorie || '(sans catégorie)'],
            ['Clients', (x) => x.nombre, true],
            ['Valeur', (x) => formatMoney(x.valeurClient), true],
          ]}
        />
        <SimpleTable
          title="Par responsable"
          rows={r.parResponsable}
          columns={[
            ['Responsable', (x) => x.responsableNom ?? '(aucun)'],
            ['Clients', (x) => x.nombre, true],
            ['Valeur', (x) => formatMoney(x.valeurClient), true],
          ]}
        />
      </div>
      <MonthChart label="Nouveaux clients par mois" rows={r.parMois} value={(x: { nombre: number }) => x.nombre} />
    </>
  );
}

function ProjetsReport({ r }: { r: Out['projets'] }) {
  return (
    <>
      <section className="stats">
        <StatCard label="Projets" value={r.total} />
        <StatCard label="Budget total" value={formatMoney(r.budgetTotal)} />
        <StatCard label="En retard" value={r.enRetard} tone={r.enRetard ? 'danger' : undefined} />
      </section>
      <SimpleTable
        title="Par statut"
        rows={r.parStatut}
        columns={[
          ['Statut', (x) => LABELS.projetStatut[x.statut]],
          ['Projets', (x) => x.nombre, true],
          ['Budget', (x) => formatMoney(x.budget), true],
        ]}
      />
      <MonthChart
        label="Budget des projets créés par mois"
        rows={r.parMois}
        value={(x: { budget: number }) => x.budget}
        money
      />
    </>
  );
}

function OpportunitesReport({ r }: { r: Out['opportunites'] }) {
  return (
    <>
      <section className="stats">
        <StatCard label="Opportunités" value={r.total} />
        <StatCard label="Montant total" value={formatMoney(r.montantTotal)} />
        <StatCard label="Pondéré (ouvertes)" value={formatMoney(r.montantPondere)} />
        <StatCard
          label="Conversion"
          value={formatPercent(r.tauxConversion)}
          hint={`${plural(r.gagnees, 'gagnée', 'gagnées')} · ${plural(r.perdues, 'perdue', 'perdues')}`}
          tone="success"
        />
        <StatCard label="Montant gagné" value={formatMoney(r.montantGagne)} tone="success" />
      </section>
      <SimpleTable
        title="Par étape"
        rows={r.parEtape}
        columns={[
          ['Étape', (x) => LABELS.etape[x.etape]],
          ['Opportunités', (x) => x.nombre, true],
          ['Montant', (x) => formatMoney(x.montant), true],
        ]}
      />
      <MonthChart
        label="Montant des opportunités créées par mois"
        rows={r.parMois}
        value={(x: { montant: number }) => x.montant}
        money
      />
    </>
  );
}

function PipelineReport({ r }: { r: Out['pipeline'] }) {
  return (
    <div className="grid-2">
      <SimpleTable
        title="Pipeline par étape"
        rows={r}
        columns={[
          ['Étape', (x) => LABELS.etape[x.etape]],
          ['Opportunités', (x) => x.nombre, true],
          ['Montant', (x) => formatMoney(x.montant), true],
          ['Pondéré', (x) => formatMoney(x.montantPondere), true],
        ]}
      />
      <section className="card">
        <h2>Montants par étape</h2>
        <BarChart
          label="Montants par étape"
          format={formatMoney}
          options={euroAxis(formatMoney)}
          data={{
            labels: r.map((x) => LABELS.etape[x.etape]),
            datasets: [
              { label: 'Montant', data: r.map((x) => x.montant), backgroundColor: COLORS.primary, borderRadius: 6 },
              {
                label: 'Pondéré',
                data: r.map((x) => x.montantPondere),
                backgroundColor: COLORS.primarySoft,
                borderRadius: 6,
              },
            ],
          }}
        />
      </section>
    </div>
  );
}

function PerformancesReport({ r }: { r: Out['performances'] }) {
  if (r.length === 0) return <EmptyState title="Aucune donnée sur la période." />;
  return (
    <SimpleTable
      title="Performances par commercial"
      rows={r.map((x) => ({ ...x, id: x.user }))}
      columns={[
        ['Commercial', (x) => x.userNom],
        ['Gagnées', (x) => x.gagnees, true],
        ['Perdues', (x) => x.perdues, true],
        ['Conversion', (x) => formatPercent(x.tauxConversion), true],
        ['Montant gagné', (x) => formatMoney(x.montantGagne), true],
        ['Tâches terminées', (x) => x.tachesTerminees, true],
        ['Tâches en retard', (x) => x.tachesEnRetard, true],
      ]}
    />
  );
}
