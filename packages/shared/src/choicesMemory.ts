/** Choice codes of contacts, activities, timeline events and notifications, with their French labels. */
export const ACTIVITE_TYPES = ['note', 'appel', 'reunion', 'email', 'autre'] as const;
export type ActiviteType = (typeof ACTIVITE_TYPES)[number];

export const EVENEMENT_TYPES = [
  'client_cree',
  'client_responsable',
  'opportunite_creee',
  'opportunite_etape',
  'opportunite_gagnee',
  'opportunite_perdue',
  'opportunite_responsable',
  'devis_cree',
  'devis_envoye',
  'devis_consulte',
  'devis_accepte',
  'devis_refuse',
  'tache_creee',
  'tache_terminee',
  'tache_assignee',
] as const;
export type EvenementType = (typeof EVENEMENT_TYPES)[number];

export const NOTIFICATION_TYPES = [
  'tache_assignee',
  'tache_echeance',
  'tache_retard',
  'devis_consulte',
  'devis_accepte',
  'devis_refuse',
  'client_attribue',
  'webhook_desactive',
  'courriel_echec',
  'import_termine',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const MEMORY_LABELS = {
  activiteType: { note: 'Note', appel: 'Appel', reunion: 'Réunion', email: 'E-mail', autre: 'Autre' },
  evenementType: {
    client_cree: 'Client créé',
    client_responsable: 'Changement de responsable',
    opportunite_creee: 'Opportunité créée',
    opportunite_etape: "Changement d'étape",
    opportunite_gagnee: 'Opportunité gagnée',
    opportunite_perdue: 'Opportunité perdue',
    opportunite_responsable: 'Changement de responsable',
    devis_cree: 'Devis créé',
    devis_envoye: 'Devis envoyé',
    devis_consulte: 'Devis consulté',
    devis_accepte: 'Devis accepté',
    devis_refuse: 'Devis refusé',
    tache_creee: 'Tâche créée',
    tache_terminee: 'Tâche terminée',
    tache_assignee: 'Tâche réassignée',
  },
  notificationType: {
    tache_assignee: 'Tâche assignée',
    tache_echeance: "Tâche à faire aujourd'hui",
    tache_retard: 'Tâche en retard',
    devis_consulte: 'Devis consulté',
    devis_accepte: 'Devis accepté',
    devis_refuse: 'Devis refusé',
    client_attribue: 'Client attribué',
    import_termine: 'Import terminé',
  },
} as const satisfies Record<string, Record<string, string>>;
