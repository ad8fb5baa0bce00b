import { useEffect, useId, useMemo, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { RECHERCHE_MIN_LENGTH, type RechercheType } from '@crm/shared/labels';
import { useTRPC } from '../../lib/trpc';
import { Modal } from '../../components/Modal';

export interface PaletteLink {
  to: string;
  label: string;
}

interface Item {
  id: string;
  label: string;
  hint: string;
  to: string;
}
interface Group {
  title: string;
  items: Item[];
}

const DETAIL_PATH: Record<RechercheType, string> = {
  clients: '/clients/',
  // A contact has no page of its own: it opens its client's page (its contacts are listed there).
  contacts: '/clients/',
  opportunites: '/opportunites/',
  projets: '/projets/',
  taches: '/taches/',
  devis: '/devis/',
};

const ACTIONS: PaletteLink[] = [
  { to: '/clients/nouveau', label: 'Nouveau client' },
  { to: '/taches/nouvelle', label: 'Nouvelle tâche' },
  { to: '/opportunites/nouvelle', label: 'Nouvelle opportunité' },
  { to: '/projets/nouveau', label: 'Nouveau projet' },
];

/** Accent- and case-insensitive, like the server's crm_fold(). */
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

function useDebouncedValue<T>(value: T, delay = 150): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setV(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return v;
}

/**
 * The command palette (Ctrl+K / ⌘K or the search box): quick actions, pages and the global search
 * as you type, in one ARIA combobox + listbox; arrows move, Enter opens, Escape closes.
 */
export function CommandPalette({ pages, onClose }: { pages: PaletteLink[]; onClose: () => void }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const listId = useId();
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const q = useDebouncedValue(text.trim());
  const searchable = q.length >= RECHERCHE_MIN_LENGTH || /^\s*(d|n°)?\d+$/i.test(q);
  const search = useQuery({
    ...trpc.recherche.search.queryOptions({ q, limite: 5 }),
    enabled: searchable,
    placeholderData: keepPreviousData,
  });

  const groups = useMemo<Group[]>(() => {
    const f = fold(text.trim());
    const matches = (label: string) => !f || fold(label).includes(f);
    const out: Group[] = [
      {
        title: 'Actions rapides',
        items: ACTIONS.filter((a) => matches(a.label)).map((a) => ({
          id: `a${a.to}`,
          label: a.label,
          hint: 'Action',
          to: a.to,
        })),
      },
      {
        title: 'Aller à',
        items: pages
          .filter((p) => matches(p.label))
          .map((p) => ({ id: `p${p.to}`, label: p.label, hint: 'Page', to: p.to })),
      },
    ];
    if (searchable && search.data) {
      for (const g of search.data.groupes) {
        out.push({
          title: g.libelle,
          items: g.resultats.map((r) => ({
            id: `${g.type}-${r.id}`,
            label: r.titre,
            hint: r.sousTitre,
            to: `${DETAIL_PATH[g.type]}${g.type === 'contacts' ? r.client : r.id}`,
          })),
        });
      }
    }
    return out.filter((g) => g.items.length);
  }, [text, pages, searchable, search.data]);

  const items = groups.flatMap((g) => g.items);
  const current = Math.min(active, Math.max(items.length - 1, 0));
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new term or new results put the first item back as the active one
  useEffect(() => setActive(0), [text, search.data]);
  useEffect(() => {
    document.getElementById(`${listId}-${current}`)?.scrollIntoView?.({ block: 'nearest' });
  }, [current, listId]);

  const open = (item: Item | undefined) => {
    if (!item) return;
    onClose();
    navigate(item.to);
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!items.length) return;
      setActive((current + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      open(items[current]);
    }
  };

  const searching = searchable && (search.isFetching || q !== text.trim());
  let index = -1;
  return (
    <Modal title="Rechercher" onClose={onClose} wide>
      <div className="palette">
        <input
          className="palette-input"
          type="text"
          role="combobox"
          aria-label="Rechercher un client, une opportunité, un projet, une tâche, un devis ou une page"
          aria-expanded={items.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={items.length ? `${listId}-${current}` : undefined}
          placeholder="Rechercher… (3 lettres au moins, ou un numéro de devis)"
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <p className="sr-only" role="status" aria-live="polite">
          {searching ? 'Recherche en cours…' : `${items.length} résultat${items.length > 1 ? 's' : ''}`}
        </p>
        <div id={listId} role="listbox" aria-label="Résultats" className="palette-list">
          {groups.map((g) => (
            <div role="group" aria-label={g.title} key={g.title} className="palette-group">
              <div className="palette-group-title" aria-hidden="true">
                {g.title}
              </div>
              {g.items.map((item) => {
                index++;
                const i = index;
                return (
                  // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox input handles the keyboard (aria-activedescendant)
                  <div
                    key={item.id}
                    id={`${listId}-${i}`}
                    role="option"
                    aria-selected={i === current}
                    className={`palette-option${i === current ? ' is-active' : ''}`}
                    onMouseMove={() => i !== current && setActive(i)}
                    onClick={() => open(item)}
                  >
                    <span className="palette-label">{item.label}</span>
                    <span className="palette-hint">{item.hint}</span>
                  </div>
                );
              })}
            </div>
          ))}
          {searchable && !searching && search.data?.groupes.every((g) => !g.resultats.length) && (
            <p className="palette-empty">Aucun résultat pour « {q} ».</p>
          )}
          {search.isError && <p className="palette-empty">La recherche a échoué. Réessayez.</p>}
        </div>
      </div>
    </Modal>
  );
}
