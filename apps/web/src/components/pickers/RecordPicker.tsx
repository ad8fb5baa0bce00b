import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { labelQuery, searchQuery, type PickerKind, type PickerOption, type PickerScope } from './sources';

export interface RecordPickerProps {
  kind: PickerKind;
  /** The chosen id as a string ('' for none), like a <select>'s value. */
  value: string;
  onChange: (value: string) => void;
  /** Label of the empty choice; without it there is no way to choose nothing. */
  emptyLabel?: string;
  /** Choices that are not records (e.g. « Moi »), listed first. */
  extra?: readonly (readonly [string, string])[];
  /** The chosen record's name when the page already knows it (saves a request). */
  knownLabel?: string | null;
  scope?: PickerScope;
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  /** Name of the control when no <label> points at it. */
  'aria-label'?: string;
  required?: boolean;
  disabled?: boolean;
}

const useDebounced = (value: string, ms: number) => {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
};

/**
 * A searchable picker of records at any volume (ARIA 1.2 combobox with a listbox popup): typing
 * searches the list endpoint; ↓/↑ move, Entrée chooses, Échap closes and restores the choice.
 * Shows the chosen record's name, also for an id that arrived in the URL.
 */
export function RecordPicker({
  kind,
  value,
  onChange,
  emptyLabel,
  extra = [],
  knownLabel,
  scope,
  disabled,
  ...aria
}: RecordPickerProps) {
  const trpc = useTRPC();
  const ownId = useId();
  const inputId = aria.id ?? ownId;
  const listId = `${inputId}-options`;
  const [open, setOpen] = useState(false);
  const [text, setText] = useState<string | null>(null); // null: not typing, show the choice
  const [active, setActive] = useState(0);
  const term = useDebounced(text ?? '', 200);
  const inputRef = useRef<HTMLInputElement>(null);

  // The option just chosen names itself while its record's label is (re)fetched.
  const [picked, setPicked] = useState<PickerOption | null>(null);
  const extraLabel = extra.find(([v]) => v === value)?.[1] ?? (picked?.value === value ? picked.label : undefined);
  const numericId = /^\d+$/.test(value) ? Number(value) : 0;
  const label = useQuery({
    ...labelQuery(trpc, kind, numericId),
    enabled: numericId > 0 && !knownLabel && !extraLabel,
    staleTime: 5 * 60_000,
  });
  const chosenLabel =
    value === '' ? '' : (extraLabel ?? knownLabel ?? label.data ?? (label.isError ? `n° ${value}` : '…'));

  const results = useQuery({
    ...searchQuery(trpc, kind, term, scope),
    enabled: open,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const searching = open && (results.isFetching || term !== (text ?? ''));
  const typed = (text ?? '').trim().toLowerCase();
  const options: PickerOption[] = [
    ...(emptyLabel !== undefined && !typed ? [{ value: '', label: emptyLabel }] : []),
    ...extra.filter(([, l]) => !typed || l.toLowerCase().includes(typed)).map(([v, l]) => ({ value: v, label: l })),
    ...(results.data ?? []),
  ];
  const activeIndex = Math.min(active, options.length - 1);

  const close = () => {
    setOpen(false);
    setText(null);
  };
  const choose = (o: PickerOption) => {
    setPicked(o);
    onChange(o.value);
    close();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        setActive(
          Math.max(
            0,
            options.findIndex((o) => o.value === value),
          ),
        );
        return;
      }
      const n = options.length;
      if (n) setActive((activeIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Enter' && open) {
      e.preventDefault(); // choosing is not submitting the form
      if (options[activeIndex] && !searching) choose(options[activeIndex]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation(); // a picker in a dialog closes itself, not the dialog
      e.nativeEvent.stopImmediatePropagation();
      close();
    } else if (e.key === 'Home' && open) {
      e.preventDefault();
      setActive(0);
    } else if (e.key === 'End' && open) {
      e.preventDefault();
      setActive(Math.max(0, options.length - 1));
    }
  };
  const optionId = (i: number) => `${listId}-${i}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `optionId` is derived from a stable id; scrolling follows the open state and the active option only
  useEffect(() => {
    if (open) document.getElementById(optionId(activeIndex))?.scrollIntoView({ block: 'nearest' });
  }, [open, activeIndex]);

  return (
    <div className="picker">
      <input
        ref={inputRef}
        id={inputId}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && options.length ? optionId(activeIndex) : undefined}
        aria-invalid={aria['aria-invalid']}
        aria-describedby={aria['aria-describedby']}
        aria-label={aria['aria-label']}
        aria-required={aria.required || undefined}
        autoComplete="off"
        disabled={disabled}
        placeholder={value === '' ? emptyLabel : undefined}
        value={text ?? chosenLabel}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onClick={() => !open && setOpen(true)}
        onKeyDown={onKeyDown}
        onBlur={close}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Suggestions"
        className="picker-list"
        hidden={!open}
        aria-busy={searching || undefined}
      >
        {open &&
          options.map((o, i) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox input handles the keyboard (aria-activedescendant)
            <li
              key={`${o.value}-${i}`}
              id={optionId(i)}
              role="option"
              aria-selected={i === activeIndex}
              className={`picker-option${i === activeIndex ? ' picker-option--active' : ''}${o.value === value ? ' picker-option--chosen' : ''}${searching ? ' picker-option--stale' : ''}`}
              onMouseDown={(e) => e.preventDefault()} // keep the focus in the input
              onClick={() => choose(o)}
            >
              {o.label}
            </li>
          ))}
      </ul>
      {open && (
        <span className="picker-status" role="status" aria-live="polite">
          {searching
            ? 'Recherche…'
            : results.isError
              ? 'Recherche impossible : réessayez.'
              : options.length === 0
                ? 'Aucun résultat.'
                : ''}
        </span>
      )}
    </div>
  );
}

/** A list filter: a labelled RecordPicker with « Tous » as its empty choice. */
export function PickerFilter({
  label,
  allLabel = 'Tous',
  ...props
}: { label: string; allLabel?: string } & Omit<RecordPickerProps, 'emptyLabel' | 'id'>) {
  const id = useId();
  return (
    <div className="filter filter--picker">
      <label htmlFor={id}>{label}</label>
      <RecordPicker id={id} emptyLabel={allLabel} {...props} />
    </div>
  );
}
