import { useQuery } from '@tanstack/react-query';
import { LABELS } from '@crm/shared/labels';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { formatMoney, formatMonth } from '../../lib/format';
import { BarChart, COLORS, euroAxis } from '../../components/charts';
import { QueryState } from '../../components/Status';

/** Montant and weighted montant per stage (rapports.pipeline: every stage, pipeline order). */
export function PipelineChart() {
  const trpc = useTRPC();
  const pipeline = useQuery(trpc.rapports.pipeline.queryOptions({}));
  const rows = pipeline.data ?? [];
  return (
    <QueryState query={pipeline}>
      <BarChart
        label="Montant des opportunités par étape"
        format={formatMoney}
        options={euroAxis(formatMoney)}
        data={{
          labels: rows.map((r) => `${LABELS.etape[r.etape]} (${r.nombre})`),
          datasets: [
            { label: 'Montant', data: rows.map((r) => r.montant), backgroundColor: COLORS.primary, borderRadius: 6 },
            {
              label: 'Pondéré',
              data: rows.map((r) => r.montantPondere),
              backgroundColor: COLORS.primarySoft,
              borderRadius: 6,
            },
          ],
        }}
      />
    </QueryState>
  );
}

export function PerformanceChart({ perf }: { perf: RouterOutputs['dashboard']['performance'] }) {
  return (
    <BarChart
      label="Opportunités gagnées et perdues par mois"
      options={{ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }}
      data={{
        labels: perf.parMois.map((m) => formatMonth(m.mois)),
        datasets: [
          {
            label: 'Gagnées',
            data: perf.parMois.map((m) => m.gagnees),
            backgroundColor: COLORS.success,
            borderRadius: 4,
          },
          {
            label: 'Perdues',
            data: perf.parMois.map((m) => m.perdues),
            backgroundColor: COLORS.danger,
            borderRadius: 4,
          },
        ],
      }}
    />
  );
}
