/** Integrations' codes: API key scope families and access levels (see platform.ts), webhook events. */
export const API_KEY_FAMILIES = [
  'clients',
  'contacts',
  'projets',
  'opportunites',
  'taches',
  'devis',
  'activites',
  'users',
  'dashboard',
  'rapports',
  'notifications',
  'recherche',
  'imports',
  'webhooks',
  'courriels',
] as const;
export type ApiKeyFamily = (typeof API_KEY_FAMILIES)[number];
export const API_KEY_ACCESS = ['lecture', 'ecriture'] as const;
export type ApiKeyAccess = (typeof API_KEY_ACCESS)[number];

/** Events a webhook can subscribe to (payload `data`: the record's REST detail, or `{ id }` when deleted). */
export const WEBHOOK_EVENTS = [
  'client.created',
  'client.updated',
  'client.deleted',
  'projet.created',
  'projet.updated',
  'projet.deleted',
  'opportunite.created',
  'opportunite.updated',
  'opportunite.deleted',
  'opportunite.etape_changed',
  'tache.created',
  'tache.updated',
  'tache.deleted',
  'tache.completed',
  'devis.created',
  'devis.updated',
  'devis.deleted',
  'devis.envoye',
  'devis.consulte',
  'devis.accepte',
  'devis.refuse',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
