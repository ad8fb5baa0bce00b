/** Global search: the types of hits, their French labels, and the shortest text searched as text. */
export const RECHERCHE_TYPES = ['clients', 'contacts', 'opportunites', 'projets', 'taches', 'devis'] as const;
export type RechercheType = (typeof RECHERCHE_TYPES)[number];

export const RECHERCHE_LABELS: Record<RechercheType, string> = {
  clients: 'Clients',
  contacts: 'Contacts',
  opportunites: 'Opportunités',
  projets: 'Projets',
  taches: 'Tâches',
  devis: 'Devis',
};

/** Below this many characters a text search would match nearly everything: only ids / numbers are looked up. */
export const RECHERCHE_MIN_LENGTH = 3;
