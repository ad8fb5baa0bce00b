import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Loading } from '../components/Status';
import { NAV } from './nav';

/** The app's frame (brand, navigation) shown while the session is checked: never a blank page. */
export function ShellPlaceholder({ children }: { children?: ReactNode }) {
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          CRM
        </div>
        <nav aria-label="Navigation principale" className="nav-placeholder">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} className="nav-link">
                  <span className="nav-icon" aria-hidden="true">
                    {n.icon}
                  </span>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <main id="contenu" className="content">
        {children ?? <Loading />}
      </main>
    </div>
  );
}
