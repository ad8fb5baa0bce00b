import { LABELS } from '@crm/shared';
import type { BulkAction } from '../../components/BulkBar';
import { labelOptions } from '../../components/ListToolbar';

/** Bulk actions on opportunités (`POST /api/opportunites/lot/`), from the list and the pipeline. */
export const opportuniteBulkActions = (staff: boolean): BulkAction[] => [
  {
    action: 'reassigner',
    label: 'Changer de responsable',
    field: { name: 'responsable', label: 'Responsable', picker: 'user' },
  },
  {
    action: 'changer_etape',
    label: "Changer l'étape",
    field: { name: 'etape', label: 'Étape', options: labelOptions(LABELS.etape).filter(([v]) => v !== 'conclusion') },
  },
  { action: 'ajouter_tache', label: 'Ajouter une tâche à chacune', tache: true },
  ...(staff ? [{ action: 'supprimer', label: 'Supprimer', danger: true }] : []),
];
