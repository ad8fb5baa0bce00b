import { useEffect, useId, useRef, type ReactNode } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** A radio of a group that has a checked one: Tab goes to the checked radio only. */
const unselectedRadio = (el: HTMLElement) =>
  el instanceof HTMLInputElement &&
  el.type === 'radio' &&
  !el.checked &&
  !!el.form?.querySelector(`input[type="radio"][name="${CSS.escape(el.name)}"]:checked`);

/** Tab and Shift+Tab cycle inside the dialog: the page behind is inert for the keyboard too. */
function trapTab(e: KeyboardEvent, dialog: HTMLElement): void {
  const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => (el.offsetParent !== null || el === document.activeElement) && !unselectedRadio(el),
  );
  if (items.length === 0) {
    e.preventDefault();
    return;
  }
  const first = items[0];
  const last = items[items.length - 1];
  const active = document.activeElement;
  const inside = dialog.contains(active) && active !== dialog;
  if (e.shiftKey && (active === first || !inside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Accessible modal: labelled dialog, focus moved inside and kept there (Tab wraps), Escape closes,
 * focus restored on close — to where it was, or where `returnFocus` puts it (e.g. a board card
 * that moved while the dialog was open).
 */
export function Modal({
  title,
  onClose,
  wide,
  returnFocus,
  children,
}: {
  title: string;
  onClose: () => void;
  wide?: boolean;
  returnFocus?: () => void;
  children: ReactNode;
}) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const restore = useRef(returnFocus);
  restore.current = returnFocus;
  // Once per opening: focus inside and kept inside (Tab wraps; focus moved behind the dialog by
  // other code, e.g. a drag library restoring it, comes back), Escape closes, focus goes back.
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const dialog = ref.current;
    const firstField = () =>
      dialog?.querySelector<HTMLElement>(
        'input:checked, input:not([type="radio"]), select, textarea, button:not(.modal-close)',
      ) ?? dialog;
    firstField()?.focus();
    const topmost = () => {
      const open = document.querySelectorAll('[role="dialog"][aria-modal="true"]');
      return open[open.length - 1] === dialog;
    };
    const onKey = (e: KeyboardEvent) => {
      if (!topmost()) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        close.current();
      } else if (e.key === 'Tab' && dialog) {
        trapTab(e, dialog);
      }
    };
    const onFocusIn = (e: FocusEvent) => {
      if (dialog && topmost() && e.target instanceof Node && !dialog.contains(e.target)) firstField()?.focus();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('focusin', onFocusIn);
      if (restore.current) restore.current();
      else previous?.focus?.();
    };
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className={`modal${wide ? ' modal--wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        ref={ref}
        tabIndex={-1}
      >
        <div className="modal-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="modal-close" aria-label="Fermer" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

export function ConfirmDialog({
  title,
  message,
  confirmLabel = 'Supprimer',
  danger = true,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  busy?: boolean;
  error?: ReactNode;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal title={title} onClose={onClose}>
      <div className="modal-body">{message}</div>
      {error}
      <div className="modal-actions">
        <button type="button" className="btn btn--ghost" onClick={onClose}>
          Annuler
        </button>
        <button
          type="button"
          className={`btn ${danger ? 'btn--danger' : 'btn--primary'}`}
          disabled={busy}
          onClick={onConfirm}
        >
          {busy ? 'Veuillez patienter…' : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
