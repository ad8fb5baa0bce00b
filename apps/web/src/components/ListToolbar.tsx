import { useEffect, useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';

/** Keeps what is typed locally and reports it after a short pause, so the URL (and the query) follow without a request per keystroke. */
function useDebounced(value: string, onChange: (v: string) => void, delay = 300) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: debounces typing only: a new `value` from the URL must not restart the timer
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), delay);
    return () => clearTimeout(t);
  }, [text]);
  return [text, setText] as const;
}

/** Search box that updates the URL after a short pause in typing. */
export function SearchInput({
  value,
  onChange,
  placeholder = 'Rechercher…',
}: {
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
}) {
  const [text, setText] = useDebounced(value, onChange);
  return (
    <label className="search">
      <span className="sr-only">Rechercher</span>
      <input type="search" value={text} placeholder={placeholder} onChange={(e) => setText(e.target.value)} />
    </label>
  );
}

export function SelectFilter({
  label,
  value,
  onChange,
  options,
  allLabel = 'Tous',
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly (readonly [string, string])[];
  /** First, empty choice; null for none. */
  allLabel?: string | null;
}) {
  const id = useId();
  return (
    <div className="filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {allLabel !== null && <option value="">{allLabel}</option>}
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A text/date/number filter with its own label (explicitly associated, so its name is just the label). */
export function TextFilter({
  label,
  value,
  onChange,
  narrow,
  ...input
}: { label: string; value: string; onChange: (v: string) => void; narrow?: boolean } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) {
  const id = useId();
  const [text, setText] = useDebounced(value, onChange);
  return (
    <div className={`filter${narrow ? ' filter--narrow' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} value={text} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

export function ListToolbar({ children }: { children: ReactNode }) {
  return (
    <div className="toolbar" role="search">
      {children}
    </div>
  );
}

/** Options of a `LABELS` map, in its declared order. */
export const labelOptions = (labels: Record<string, string>) => Object.entries(labels) as [string, string][];
