/** Messages of contacts, activities, timelines and notifications (merged into MESSAGES). */
export const MEMORY_MESSAGES = {
  fr: {
    'err.cursor': 'Curseur de pagination invalide.',
    'err.contact_client': "Ce contact n'appartient pas au client.",
    'err.opportunite_client': "Cette opportunité n'appartient pas au client.",
    'err.projet_client_activite': "Ce projet n'appartient pas au client.",
    'error.contact_email_taken': 'Un contact de ce client a déjà cette adresse e-mail.',
    'error.activite_auteur':
      "Seul l'auteur, un manager ou un administrateur peut modifier ou supprimer cette activité.",
  },
  en: {
    'err.cursor': 'Invalid pagination cursor.',
    'err.contact_client': 'This contact does not belong to the client.',
    'err.opportunite_client': 'This opportunity does not belong to the client.',
    'err.projet_client_activite': 'This project does not belong to the client.',
    'error.contact_email_taken': 'A contact of this client already has this e-mail address.',
    'error.activite_auteur': 'Only the author, a manager or an administrator may change or delete this activity.',
  },
} as const;
