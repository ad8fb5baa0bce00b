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
