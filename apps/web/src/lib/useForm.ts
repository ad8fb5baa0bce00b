import { useState, type ChangeEvent } from 'react';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Form values kept as strings (what inputs hold); pages convert them to API types on submit. */
export function useFormValues<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState<T>(initial);
  const set = (name: keyof T, value: string) => setValues((v) => ({ ...v, [name]: value }));
  const bind = (name: keyof T & string) => ({
    name,
    value: values[name],
    onChange: (e: ChangeEvent<Control>) => set(name, e.target.value),
  });
  return { values, set, setValues, bind };
}

/** '' → null, else the string trimmed. */
export const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());
/** Select of ids: '' → null. */
export const idOrNull = (s: string): number | null => (s === '' ? null : Number(s));
export const str = (v: string | number | null | undefined): string => (v == null ? '' : String(v));
