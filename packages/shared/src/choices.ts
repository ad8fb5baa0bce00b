/** Stable codes stored in the database and sent on the wire, with the French labels the UI shows. */
export const PROJET_STATUTS = ['a_faire', 'en_cours', 'termine'] as const;
export const TACHE_STATUTS = ['a_faire', 'en_cours', 'terminee'] as const;
export const TACHE_PRIORITES = ['basse', 'moyenne', 'haute', 'urgente'] as const;
export const ETAPES = ['prospect', 'qualification', 'proposition', 'negociation', 'conclusion'] as const;
export const RESULTATS = ['gagnee', 'perdue'] as const;
export const DEVIS_STATUTS = ['brouillon', 'envoye', 'consulte', 'accepte', 'refuse'] as const;
export const ROLES = ['admin', 'manager', 'commercial'] as const;
export const COURRIEL_STATUTS = ['en_attente', 'envoye', 'echec'] as const;

export type ProjetStatut = (typeof PROJET_STATUTS)[number];
export type TacheStatut = (typeof TACHE_STATUTS)[number];
export type TachePriorite = (typeof TACHE_PRIORITES)[number];
export type Etape = (typeof ETAPES)[number];
export type Resultat = (typeof RESULTATS)[number];
export type DevisStatut = (typeof DEVIS_STATUTS)[number];
export type Role = (typeof ROLES)[number];
export type CourrielStatut = (typeof COURRIEL_STATUTS)[number];

export const LABELS = {
  projetStatut: { a_faire: 'À faire', en_cours: 'En cours', termine: 'Terminé' },
  tacheStatut: { a_faire: 'À faire', en_cours: 'En cours', terminee: 'Terminée' },
  tachePriorite: { basse: 'Basse', moyenne: 'Moyenne', haute: 'Haute', urgente: 'Urgente' },
  etape: {
    prospect: 'Prospect',
    qualification: 'Qualification',
    proposition: 'Proposition',
    negociation: 'Négociation',
    conclusion: 'Conclusion',
  },
  resultat: { gagnee: 'Gagnée', perdue: 'Perdue' },
  devisStatut: { brouillon: 'Brouillon', envoye: 'Envoyé', consulte: 'Consulté', accepte: 'Accepté', refuse: 'Refusé' },
  role: { admin: 'Administrateur', manager: 'Manager', commercial: 'Commercial' },
  courrielStatut: { en_attente: 'En attente', envoye: 'Envoyé', echec: 'Échec' },
} as const satisfies Record<string, Record<string, string>>;

/** Next stage of the pipeline, or null at `conclusion`. */
export function nextEtape(etape: Etape): Etape | null {
  const i = ETAPES.indexOf(etape);
  return i >= 0 && i < ETAPES.length - 1 ? ETAPES[i + 1] : null;
}
