import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

/**
 * List state (search, filters, ordering, page) lives in the URL so that a list can be shared,
 * bookmarked and restored with the back button. Changing anything but the page goes back to page 1.
 */
export function useListParams<K extends string>(
  keys: readonly K[],
  defaults: Partial<Record<K | 'ordering', string>> = {},
) {
  const [searchParams, setSearchParams] = useSearchParams();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `keys` and `defaults` are fixed per list (often inline literals): only the URL changes the values
  const values = useMemo(() => {
    const out = {} as Record<K | 'search' | 'ordering', string>;
    for (const k of [...keys, 'search', 'ordering'] as (K | 'search' | 'ordering')[]) {
      out[k] = searchParams.get(k) ?? (defaults as Record<string, string>)[k] ?? '';
    }
    return out;
  }, [searchParams]);
  const page = Math.max(1, Number(searchParams.get('page')) || 1);

  const set = useCallback(
    (patch: Partial<Record<K | 'search' | 'ordering' | 'page', string | number>>) => {
      setSearchParams(
        () => {
          // From the URL as it is now, not as it was when this callback was made: a debounced search
          // that lands just after a filter change must keep that filter (and the reverse).
          const next = new URLSearchParams(window.location.search);
          for (const [k, v] of Object.entries(patch)) {
            if (v === '' || v == null) next.delete(k);
            else next.set(k, String(v));
          }
          if (!('page' in patch)) next.delete('page');
          if (next.get('page') === '1') next.delete('page');
          return next;
        },
        { replace: !('page' in patch) },
      );
    },
    [setSearchParams],
  );

  return { values, page, set };
}

/** Drops empty strings so the API only receives the filters the user chose. */
export function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj))
    if (v !== '' && v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** '12' → 12, '' or junk → undefined (ids from the URL). */
export const toId = (s: string): number | undefined => (/^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined);
