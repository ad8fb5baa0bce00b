import { useState } from 'react';
import { LABELS, type Resultat } from '@crm/shared';
import { Modal } from '../../components/Modal';

export interface Conclusion {
  resultat: Resultat;
  motifPerte?: string;
}

/** Passing to `conclusion` needs an outcome: won, or lost with an optional reason. */
/**
 * Keyboard: arrows choose the outcome, Enter concludes (except in the reason's text area, where it
 * starts a new line), Escape cancels. `returnFocus`: where focus goes once it closes.
 */
export function ConclusionDialog({
  nom,
  onConfirm,
  onClose,
  returnFocus,
}: {
  nom: string;
  onConfirm: (c: Conclusion) => void;
  onClose: () => void;
  returnFocus?: () => void;
}) {
  const [resultat, setResultat] = useState<Resultat>('gagnee');
  const [motif, setMotif] = useState('');
  return (
    <Modal title={`Conclure « ${nom} »`} onClose={onClose} returnFocus={returnFocus}>
      <form
        onKeyDown={(e) => {
          const t = e.target as HTMLElement;
          if (e.key === 'Enter' && t instanceof HTMLInputElement && t.type === 'radio') {
            e.preventDefault();
            e.currentTarget.requestSubmit();
          }
        }}
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(resultat === 'perdue' ? { resultat, motifPerte: motif.trim() } : { resultat });
        }}
      >
        <fieldset className="radio-group">
          <legend>Résultat de l'opportunité</legend>
          {(['gagnee', 'perdue'] as const).map((r) => (
            <label key={r} className={`radio-card radio-card--${r}`}>
              <input type="radio" name="resultat" value={r} checked={resultat === r} onChange={() => setResultat(r)} />
              {LABELS.resultat[r]}
            </label>
          ))}
        </fieldset>
        {resultat === 'perdue' && (
          <div className="field">
            <label htmlFor="motif-perte">Motif de la perte</label>
            <textarea
              id="motif-perte"
              rows={3}
              value={motif}
              onChange={(e) => setMotif(e.target.value)}
              placeholder="Prix, concurrent, projet abandonné…"
            />
          </div>
        )}
        <div className="modal-actions">
          <button type="button" className="btn btn--ghost" onClick={onClose}>
            Annuler
          </button>
          <button type="submit" className="btn btn--primary">
            Conclure
          </button>
        </div>
      </form>
    </Modal>
  );
}
