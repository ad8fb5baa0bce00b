import { LABELS } from '@crm/shared';
import type { BulkAction } from '../../components/BulkBar';
import { labelOptions } from '../../components/ListToolbar';

/** Bulk actions on tâches (`POST /api/taches/lot/`), from the list and the board. */
export const tacheBulkActions = (staff: boolean): BulkAction[] => [
  {
    action: 'reassigner',
    label: 'Réassigner',
    field: { name: 'assigneA', label: 'Assignée à', picker: 'user', asNumber: true },
  },
  {
    action: 'changer_statut',
    label: 'Changer le statut',
    field: { name: 'statut', label: 'Statut', options: labelOptions(LABELS.tacheStatut) },
  },
  {
    action: 'changer_priorite',
    label: 'Changer la priorité',
    field: { name: 'priorite', label: 'Priorité', options: labelOptions(LABELS.tachePriorite) },
  },
  ...(staff ? [{ action: 'supprimer', label: 'Supprimer', danger: true }] : []),
];
