export function Badge({ tone = 'neutral', children }: { tone?: string; children: React.ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}
