import { useEffect, useState, type ReactNode } from 'react';
import { useLocation } from 'react-router-dom';
import { useUnsavedChanges } from '../components/UnsavedChanges';
import { useFormValues } from './useForm';

const PREFIX = 'crm:brouillon:';

function readDraft<T extends Record<string, string>>(key: string, initial: T): T | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) ?? 'null') as Record<string, unknown> | null;
    if (!saved) return null;
    // Only the fields this form still has, and only strings (a draft from an older version is harmless).
    const out = { ...initial };
    for (const k of Object.keys(initial))
      if (typeof saved[k] === 'string') (out as Record<string, string>)[k] = saved[k] as string;
    return out;
  } catch {
    return null;
  }
}

function writeDraft(key: string, values: Record<string, string> | null): void {
  try {
    if (values) sessionStorage.setItem(key, JSON.stringify(values));
    else sessionStorage.removeItem(key);
  } catch {
    /* storage full or disabled: the leave-page warning still protects the input */
  }
}

/**
 * The values of a page's form, never lost: edits are kept as a draft in sessionStorage (per page
 * URL, this tab only) so that they come back after a lost session and its login, and leaving
 * the page with unsaved edits asks first. Call `markSaved()` once the server accepted the form.
 */
export function usePageForm<T extends Record<string, string>>(initial: T) {
  const { pathname, search } = useLocation();
  const [key] = useState(() => PREFIX + pathname + search);
  const [pristine] = useState(initial);
  const [restored] = useState(() => readDraft(key, initial));
  const form = useFormValues<T>(restored ?? initial);
  const [saved, setSaved] = useState(false);
  const dirty = !saved && (Object.keys(pristine) as (keyof T)[]).some((k) => form.values[k] !== pristine[k]);
  useEffect(() => {
    if (!saved) writeDraft(key, dirty ? form.values : null);
  }, [key, dirty, saved, form.values]);
  const guard = useUnsavedChanges(dirty, () => writeDraft(key, null));
  const markSaved = () => {
    guard.disarm();
    setSaved(true);
    writeDraft(key, null);
  };
  const status: ReactNode = (
    <>
      {restored && dirty && (
        <div className="alert alert--info" role="status">
          Votre saisie non enregistrée a été restaurée.
        </div>
      )}
      {guard.dialog}
    </>
  );
  return { ...form, dirty, markSaved, status };
}
