import { API_KEY_FAMILIES, type ApiKeyAccess, type ApiKeyFamily } from '@crm/shared/labels';

/** French names of the resource families an API key can be scoped to. */
export const FAMILY_LABELS: Record<ApiKeyFamily, string> = {
  clients: 'Clients',
  contacts: 'Contacts',
  projets: 'Projets',
  opportunites: 'Opportunités',
  taches: 'Tâches',
  devis: 'Devis',
  activites: 'Activités',
  users: 'Utilisateurs',
  dashboard: 'Tableau de bord',
  rapports: 'Rapports',
  notifications: 'Notifications',
  recherche: 'Recherche',
  imports: 'Imports',
  webhooks: 'Webhooks',
  courriels: 'Courriels',
};

export type ScopeChoice = '' | ApiKeyAccess;
export type ScopeChoices = Record<ApiKeyFamily | '*', ScopeChoice>;

export const emptyScopes = (): ScopeChoices =>
  Object.fromEntries([['*', ''], ...API_KEY_FAMILIES.map((f) => [f, ''])]) as ScopeChoices;

/** The choices of the form as the API's scope strings (`clients:lecture`, `*:ecriture`…). */
export function scopesOf(choices: ScopeChoices): string[] {
  return Object.entries(choices)
    .filter(([, access]) => access !== '')
    .map(([family, access]) => `${family}:${access}`);
}

/** A key's scopes in words: « Tout (écriture) », « Clients (lecture), Devis (écriture) ». */
export function describeScopes(scopes: string[]): string {
  return scopes
    .map((s) => {
      const [family, access] = s.split(':');
      const name = family === '*' ? 'Tout' : (FAMILY_LABELS[family as ApiKeyFamily] ?? family);
      return `${name} (${access === 'ecriture' ? 'écriture' : 'lecture'})`;
    })
    .join(', ');
}
