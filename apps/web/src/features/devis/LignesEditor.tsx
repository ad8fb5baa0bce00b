import { formatCents } from '../../lib/format';
import { ligneHtCents, newLigne, type LigneDraft } from './lignes';

/** Editable table of devis lines; errors are keyed like the API's (`lignes.0.quantite`). */
export function LignesEditor({
  lignes,
  onChange,
  errors,
  readOnly,
}: {
  lignes: LigneDraft[];
  onChange: (l: LigneDraft[]) => void;
  errors: Record<string, string[]>;
  readOnly?: boolean;
}) {
  const update = (key: number, patch: Partial<LigneDraft>) =>
    onChange(lignes.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  const cell = (
    l: LigneDraft,
    i: number,
    field: 'designation' | 'quantite' | 'prixUnitaire' | 'tauxTva',
    label: string,
    wide?: boolean,
  ) => {
    const errs = errors[`lignes.${i}.${field}`];
    const errId = `ligne-${l.key}-${field}-error`;
    return (
      <td className={wide ? undefined : 'num'}>
        <input
          aria-label={`${label} (ligne ${i + 1})`}
          value={l[field]}
          inputMode={wide ? undefined : 'decimal'}
          className={wide ? 'input-wide' : 'input-num'}
          readOnly={readOnly}
          aria-invalid={errs ? true : undefined}
          aria-describedby={errs ? errId : undefined}
          onChange={(e) => update(l.key, { [field]: e.target.value })}
        />
        {errs && (
          <p id={errId} className="field-error">
            {errs.join(' ')}
          </p>
        )}
      </td>
    );
  };
  const addButton = !readOnly && (
    <button type="button" className="btn btn--ghost" onClick={() => onChange([...lignes, newLigne()])}>
      + Ajouter une ligne
    </button>
  );
  if (lignes.length === 0) {
    return (
      <div className="lignes-empty">
        <p className="muted">Aucune ligne : le devis porte sur un montant global.</p>
        {addButton}
      </div>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table lignes">
        <caption className="sr-only">Lignes du devis</caption>
        <thead>
          <tr>
            <th scope="col">Désignation</th>
            <th scope="col" className="num">
              Quantité
            </th>
            <th scope="col" className="num">
              Prix unitaire HT (€)
            </th>
            <th scope="col" className="num">
              TVA (%)
            </th>
            <th scope="col" className="num">
              Total HT
            </th>
            {!readOnly && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {lignes.map((l, i) => {
            const total = ligneHtCents(l);
            return (
              <tr key={l.key}>
                {cell(l, i, 'designation', 'Désignation', true)}
                {cell(l, i, 'quantite', 'Quantité')}
                {cell(l, i, 'prixUnitaire', 'Prix unitaire HT')}
                {cell(l, i, 'tauxTva', 'TVA')}
                <td className="num" data-testid="ligne-total">
                  {total == null ? '—' : formatCents(total)}
                </td>
                {!readOnly && (
                  <td>
                    <button
                      type="button"
                      className="btn btn--ghost btn--small"
                      onClick={() => onChange(lignes.filter((x) => x.key !== l.key))}
                    >
                      Retirer<span className="sr-only"> la ligne {i + 1}</span>
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {addButton}
    </div>
  );
}
