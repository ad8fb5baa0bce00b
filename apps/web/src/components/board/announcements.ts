import type { Announcements, UniqueIdentifier } from '@dnd-kit/core';
import { findCard, type Board, type BoardCard } from './boardLogic';

/** What screen readers hear while a card is dragged (dnd-kit's defaults are in English). */
export const INSTRUCTIONS =
  'Pour déplacer une carte, appuyez sur Espace ou Entrée, utilisez les flèches pour la déplacer dans la colonne ou vers une autre colonne, puis Espace ou Entrée pour la déposer, ou Échap pour annuler.';

export function frenchAnnouncements<K extends string, T extends BoardCard>(
  board: Board<K, T>,
  columnLabel: (k: K) => string,
  title: (c: T) => string,
): Announcements {
  const describe = (id: UniqueIdentifier) => {
    const at = findCard(board, Number(id));
    if (!at) return '';
    const card = board[at.column][at.index];
    return `${title(card)}, colonne ${columnLabel(at.column)}, position ${at.index + 1} sur ${board[at.column].length}`;
  };
  return {
    onDragStart: ({ active }) => `Carte saisie : ${describe(active.id)}.`,
    onDragOver: ({ active }) => `Carte déplacée : ${describe(active.id)}.`,
    onDragEnd: ({ active }) => `Carte déposée : ${describe(active.id)}.`,
    onDragCancel: () => 'Déplacement annulé.',
  };
}
