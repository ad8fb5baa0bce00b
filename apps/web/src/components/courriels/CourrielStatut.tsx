import { LABELS, type CourrielStatut as Statut } from '@crm/shared';
import { Badge } from '../Badge';

const TONES: Record<Statut, string> = { en_attente: 'info', envoye: 'success', echec: 'danger' };

export function CourrielStatutBadge({ value }: { value: Statut }) {
  return <Badge tone={TONES[value]}>{LABELS.courrielStatut[value]}</Badge>;
}

/** Delivery of a devis' latest e-mail, as shown on the devis page (the sender learns of a failure here). */
export function CourrielSuivi({
  courriel,
}: {
  courriel: { statut: Statut; tentatives: number; derniereErreur: string | null } | null;
}) {
  if (!courriel) return null;
  if (courriel.statut === 'echec') {
    return (
      <div className="alert alert--error" role="alert">
        L’e-mail du devis n’a pas pu être remis au client ({courriel.tentatives} tentative
        {courriel.tentatives > 1 ? 's' : ''}) : {courriel.derniereErreur ?? 'erreur inconnue'}
      </div>
    );
  }
  return (
    <p className="muted" role="status">
      E-mail au client : <CourrielStatutBadge value={courriel.statut} />
      {courriel.statut === 'en_attente' && courriel.derniereErreur && (
        <> — nouvelle tentative prévue ({courriel.derniereErreur})</>
      )}
    </p>
  );
}
