import {
  LABELS,
  type DevisStatut,
  type Etape,
  type ProjetStatut,
  type TachePriorite,
  type TacheStatut,
} from '@crm/shared';
import { Badge } from './Badge';

const PRIORITE_TONE: Record<TachePriorite, string> = {
  basse: 'neutral',
  moyenne: 'info',
  haute: 'warning',
  urgente: 'danger',
};
const DEVIS_TONE: Record<DevisStatut, string> = {
  brouillon: 'neutral',
  envoye: 'info',
  consulte: 'info',
  accepte: 'success',
  refuse: 'danger',
};

export const PrioriteBadge = ({ value }: { value: TachePriorite }) => (
  <Badge tone={PRIORITE_TONE[value]}>{LABELS.tachePriorite[value]}</Badge>
);
export const TacheStatutBadge = ({ value }: { value: TacheStatut }) => (
  <Badge tone={value === 'terminee' ? 'success' : value === 'en_cours' ? 'info' : 'neutral'}>
    {LABELS.tacheStatut[value]}
  </Badge>
);
export const ProjetStatutBadge = ({ value }: { value: ProjetStatut }) => (
  <Badge tone={value === 'termine' ? 'success' : value === 'en_cours' ? 'info' : 'neutral'}>
    {LABELS.projetStatut[value]}
  </Badge>
);
export const DevisStatutBadge = ({ value }: { value: DevisStatut }) => (
  <Badge tone={DEVIS_TONE[value]}>{LABELS.devisStatut[value]}</Badge>
);
export function EtapeBadge({ etape, resultat }: { etape: Etape; resultat?: 'gagnee' | 'perdue' | null }) {
  if (etape === 'conclusion' && resultat)
    return <Badge tone={resultat === 'gagnee' ? 'success' : 'danger'}>{LABELS.resultat[resultat]}</Badge>;
  return <Badge tone="accent">{LABELS.etape[etape]}</Badge>;
}
export const RetardBadge = ({ late }: { late: boolean }) => (late ? <Badge tone="danger">En retard</Badge> : null);
