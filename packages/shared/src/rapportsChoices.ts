/** Reports and their export formats, with the French titles the UI shows. */
export const RAPPORTS = ['clients', 'projets', 'opportunites', 'pipeline', 'performances'] as const;
export type Rapport = (typeof RAPPORTS)[number];
export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const RAPPORT_LABELS: Record<Rapport, string> = {
  clients: 'Rapport clients',
  projets: 'Rapport projets',
  opportunites: 'Rapport opportunités',
  pipeline: 'Pipeline commercial',
  performances: 'Performances commerciales',
};
