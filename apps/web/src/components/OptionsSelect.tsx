import type { SelectHTMLAttributes } from 'react';

/** A <select> of [value, label] pairs with an optional empty first choice. */
export function OptionsSelect({
  options,
  empty,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (readonly [string, string])[]; empty?: string }) {
  return (
    <select {...props}>
      {empty !== undefined && <option value="">{empty}</option>}
      {options.map(([v, l]) => (
        <option key={v} value={v}>
          {l}
        </option>
      ))}
    </select>
  );
}

/**
 * Pickers list the first 100 choices; the value being edited (or passed in the URL) must stay
 * visible and selected even when it is not among them.
 */
export function withCurrent(options: [string, string][], value: string, label: string | null | undefined): [string, string][] {
  if (!value || options.some(([v]) => v === value)) return options;
  return [[value, label || `n° ${value}`], ...options];
}
