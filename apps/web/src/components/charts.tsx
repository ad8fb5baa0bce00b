import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  Tooltip,
  type ChartData,
  type ChartOptions,
} from 'chart.js';
import { Bar } from 'react-chartjs-2';

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip, Legend);
ChartJS.defaults.font.family = getComputedStyleSafe('--font') ?? 'system-ui, sans-serif';
ChartJS.defaults.color = '#475467';

function getComputedStyleSafe(v: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  return getComputedStyle(document.documentElement).getPropertyValue(v).trim() || undefined;
}

export const COLORS = {
  primary: '#4f46e5',
  primarySoft: '#c7d2fe',
  success: '#16a34a',
  danger: '#dc2626',
  warning: '#d97706',
};

/**
 * A bar chart with a text alternative: the canvas is an image named by `label`, and the same
 * numbers are in a visually hidden table for screen readers.
 */
export function BarChart({
  label,
  data,
  options,
  format = String,
}: {
  label: string;
  data: ChartData<'bar', number[], string>;
  options?: ChartOptions<'bar'>;
  format?: (n: number) => string;
}) {
  return (
    <figure className="chart">
      <div className="chart-canvas">
        <Bar
          role="img"
          aria-label={label}
          data={data}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            datasets: { bar: { maxBarThickness: 56 } },
            plugins: { legend: { position: 'bottom' } },
            ...options,
          }}
        />
      </div>
      <table className="sr-only">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">—</th>
            {data.datasets.map((d) => (
              <th key={String(d.label)} scope="col">
                {d.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(data.labels ?? []).map((l, i) => (
            <tr key={l}>
              <th scope="row">{l}</th>
              {data.datasets.map((d) => (
                <td key={String(d.label)}>{format(d.data[i] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Axis ticks in euros without decimals ("12 k€" style would hide precision; keep plain). */
export const euroAxis = (format: (n: number) => string): ChartOptions<'bar'> => ({
  scales: { y: { beginAtZero: true, ticks: { callback: (v) => format(Number(v)) } } },
  plugins: {
    legend: { position: 'bottom' },
    tooltip: { callbacks: { label: (c) => `${c.dataset.label} : ${format(Number(c.raw))}` } },
  },
});
