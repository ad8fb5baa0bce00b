import { useEffect, useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { LABELS, type LotOut } from '@crm/shared';
import { fullErrorMessage } from '../lib/errors';
import type { Selection } from './DataTable';
import { RecordPicker } from './pickers/RecordPicker';
import type { PickerKind } from './pickers/sources';
import { ConfirmDialog } from './Modal';
import { useNotify } from './Notifications';

/** One bulk action of a list: its code and label, and the value it needs (a choice, or a tâche to add). */
export interface BulkAction {
  action: string;
  label: string;
  /** The value to set: a choice among `options`, or a record found with a searchable picker (`picker`). */
  field?: { name: string; label: string; options?: [string, string][]; picker?: PickerKind; asNumber?: boolean };
  tache?: boolean;
  /** Deletion: asks for confirmation. */
  danger?: boolean;
}

/** Selected ids (kept across pages), dropped when the list's filters change. */
export function useSelection(resetKey: string) {
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: resetting on a new filter set is the point
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [resetKey]);
  const selection: Selection = {
    selected,
    toggle: (ids, on) => {
      setAllMatching(false);
      setSelected((prev) => {
        const next = new Set(prev);
        for (const id of ids) on ? next.add(id) : next.delete(id);
        return next;
      });
    },
  };
  const clear = () => {
    setSelected(new Set());
    setAllMatching(false);
  };
  return { selection, allMatching, setAllMatching, clear };
}

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

/**
 * Actions on the selected rows, or on every row matching the list's filters (« all matching »):
 * one request to `POST /api/<resource>/lot/`, then a summary of what changed and was refused.
 */
export function BulkBar({
  total,
  state,
  filtres,
  actions,
  run,
}: {
  total: number;
  state: ReturnType<typeof useSelection>;
  filtres: Record<string, unknown>;
  actions: BulkAction[];
  run: (body: Record<string, unknown>) => Promise<LotOut>;
}) {
  const ids = useId();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [action, setAction] = useState('');
  const [value, setValue] = useState('');
  const [tache, setTache] = useState({ titre: '', priorite: 'moyenne', dateEcheance: '' });
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const count = state.allMatching ? total : state.selection.selected.size;
  if (count === 0) return null;
  const current = actions.find((a) => a.action === action);

  const submit = async () => {
    if (!current) return;
    const { page: _p, pageSize: _s, ordering: _o, ...rest } = filtres;
    const body: Record<string, unknown> = state.allMatching
      ? { filtres: rest }
      : { ids: [...state.selection.selected] };
    body.action = current.action;
    if (current.field)
      body[current.field.name] = current.field.asNumber ? (value === '' ? null : Number(value)) : value;
    if (current.tache) body.tache = tache;
    setBusy(true);
    setError(null);
    try {
      const out = await run(body);
      notify(
        `${plural(out.modifies, 'ligne modifiée', 'lignes modifiées')}${out.inchanges ? `, ${out.inchanges} déjà à jour` : ''}${out.refuses ? `, ${plural(out.refuses, 'refusée', 'refusées')} (${out.refus[0].message})` : ''}.`,
        out.refuses ? 'info' : 'success',
      );
      state.clear();
      setConfirm(false);
      await queryClient.invalidateQueries();
    } catch (e) {
      setError(fullErrorMessage(e));
      setConfirm(false);
    } finally {
      setBusy(false);
    }
  };
  const ready =
    current &&
    (!current.field || value !== '' || current.field.asNumber) &&
    (!current.tache || (tache.titre.trim() && tache.dateEcheance));

  return (
    <section className="bulk-bar" aria-label="Actions groupées">
      <p className="bulk-count" role="status">
        {state.allMatching
          ? `Les ${total} résultats sont sélectionnés.`
          : `${plural(count, 'ligne sélectionnée', 'lignes sélectionnées')}.`}{' '}
        {!state.allMatching && total > count && (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => state.setAllMatching(true)}>
            Sélectionner les {total} résultats
          </button>
        )}{' '}
        <button type="button" className="btn btn--ghost btn--small" onClick={state.clear}>
          Annuler la sélection
        </button>
      </p>
      <div className="bulk-controls">
        <label htmlFor={`${ids}-action`}>Action</label>
        <select
          id={`${ids}-action`}
          value={action}
          onChange={(e) => {
            setAction(e.target.value);
            setValue('');
          }}
        >
          <option value="">Choisir…</option>
          {actions.map((a) => (
            <option key={a.action} value={a.action}>
              {a.label}
            </option>
          ))}
        </select>
        {current?.field && (
          <>
            <label htmlFor={`${ids}-value`}>{current.field.label}</label>
            {current.field.picker ? (
              <RecordPicker
                id={`${ids}-value`}
                kind={current.field.picker}
                value={value}
                onChange={setValue}
                emptyLabel={current.field.asNumber ? 'Personne' : undefined}
              />
            ) : (
              <select id={`${ids}-value`} value={value} onChange={(e) => setValue(e.target.value)}>
                <option value="">{current.field.asNumber ? 'Personne' : 'Choisir…'}</option>
                {(current.field.options ?? []).map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </>
        )}
        {current?.tache && (
          <>
            <label htmlFor={`${ids}-titre`}>Titre de la tâche</label>
            <input
              id={`${ids}-titre`}
              value={tache.titre}
              onChange={(e) => setTache({ ...tache, titre: e.target.value })}
            />
            <label htmlFor={`${ids}-prio`}>Priorité</label>
            <select
              id={`${ids}-prio`}
              value={tache.priorite}
              onChange={(e) => setTache({ ...tache, priorite: e.target.value })}
            >
              {Object.entries(LABELS.tachePriorite).map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
            <label htmlFor={`${ids}-date`}>Échéance</label>
            <input
              id={`${ids}-date`}
              type="date"
              value={tache.dateEcheance}
              onChange={(e) => setTache({ ...tache, dateEcheance: e.target.value })}
            />
          </>
        )}
        <button
          type="button"
          className={`btn ${current?.danger ? 'btn--danger' : 'btn--primary'} btn--small`}
          disabled={!ready || busy}
          onClick={() => (current?.danger ? setConfirm(true) : submit())}
        >
          {busy ? 'Veuillez patienter…' : 'Appliquer'}
        </button>
      </div>
      {error && (
        <p role="alert" className="bulk-error">
          {error}
        </p>
      )}
      {confirm && (
        <ConfirmDialog
          title="Supprimer la sélection"
          message={`Supprimer ${plural(count, 'ligne', 'lignes')} ? Les lignes qui ont encore des éléments liés seront conservées.`}
          busy={busy}
          onConfirm={submit}
          onClose={() => setConfirm(false)}
        />
      )}
    </section>
  );
}
