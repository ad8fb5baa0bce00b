import './palette.css';
import { useEffect, useState } from 'react';
import { CommandPalette, type PaletteLink } from './CommandPalette';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** The header search box: opens the command palette on click, Ctrl+K or ⌘K (from anywhere). */
export function SearchLauncher({ pages }: { pages: PaletteLink[] }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen(true);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <button
        type="button"
        className="search-launcher"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K Meta+K"
      >
        <span aria-hidden="true">⌕</span>
        <span className="search-launcher-text">Rechercher…</span>
        <kbd aria-hidden="true">{isMac ? '⌘K' : 'Ctrl K'}</kbd>
      </button>
      {open && <CommandPalette pages={pages} onClose={() => setOpen(false)} />}
    </>
  );
}
