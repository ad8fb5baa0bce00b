import type { UseQueryOptions } from '@tanstack/react-query';
import type { RouterOutputs, useTRPC } from '../../lib/trpc';
import { displayName } from '../../lib/currentUser';

export type PickerKind = 'client' | 'projet' | 'opportunite' | 'user';
export interface PickerOption {
  value: string;
  label: string;
}
/** Narrows a search (e.g. the projets of one client). */
export interface PickerScope {
  client?: number;
}

type Trpc = ReturnType<typeof useTRPC>;
type Options<T> = UseQueryOptions<any, any, T, any>;

/** Enough for a picker: the first matches, the list endpoint's `search` does the work. */
const PAGE = 20;

const clientLabel = (c: { nom: string; societe: string }) => (c.societe ? `${c.nom} (${c.societe})` : c.nom);

/** One page of records matching `term`, as picker options. */
export function searchQuery(
  trpc: Trpc,
  kind: PickerKind,
  term: string,
  scope: PickerScope = {},
): Options<PickerOption[]> {
  const search = term.trim() || undefined;
  switch (kind) {
    case 'client':
      return trpc.clients.list.queryOptions(
        { search, pageSize: PAGE, ordering: 'nom' },
        {
          select: (d: RouterOutputs['clients']['list']) =>
            d.results.map((c) => ({ value: String(c.id), label: clientLabel(c) })),
        },
      ) as Options<PickerOption[]>;
    case 'projet':
      return trpc.projets.list.queryOptions(
        { search, pageSize: PAGE, ordering: 'titre', ...(scope.client ? { client: scope.client } : {}) },
        {
          select: (d: RouterOutputs['projets']['list']) =>
            d.results.map((p) => ({
              value: String(p.id),
              label: scope.client ? p.titre : `${p.titre} — ${p.clientNom}`,
            })),
        },
      ) as Options<PickerOption[]>;
    case 'opportunite':
      return trpc.opportunites.list.queryOptions(
        { search, pageSize: PAGE, ordering: '-dateCreation' },
        {
          select: (d: RouterOutputs['opportunites']['list']) =>
            d.results.map((o) => ({ value: String(o.id), label: `${o.nom} — ${o.clientNom}` })),
        },
      ) as Options<PickerOption[]>;
    case 'user':
      return trpc.users.list.queryOptions(
        { search, pageSize: PAGE, isActive: 'true' },
        {
          select: (d: RouterOutputs['users']['list']) =>
            d.results.map((u) => ({ value: String(u.id), label: displayName(u) })),
        },
      ) as Options<PickerOption[]>;
  }
}

/** The name of one record (a value preselected from the URL or the record being edited). */
export function labelQuery(trpc: Trpc, kind: PickerKind, id: number): Options<string> {
  switch (kind) {
    case 'client':
      return trpc.clients.get.queryOptions({ id }, { select: clientLabel }) as Options<string>;
    case 'projet':
      return trpc.projets.get.queryOptions({ id }, { select: (p) => p.titre }) as Options<string>;
    case 'opportunite':
      return trpc.opportunites.get.queryOptions(
        { id },
        { select: (o) => `${o.nom} — ${o.clientNom}` },
      ) as Options<string>;
    case 'user':
      return trpc.users.get.queryOptions({ id }, { select: displayName }) as Options<string>;
  }
}
/** « Moi »: the filter value the API reads as the current user. */
export const ME = [['me', 'Moi']] as const;
