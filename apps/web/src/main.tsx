import { createRoot } from 'react-dom/client';

// Placeholder until the SPA lands (issue 5).
createRoot(document.getElementById('root')!).render(<p>CRM — chargement…</p>);
