/**
 * The main navigation. Its own module (not Layout's): the app frame shown while Layout's code
 * loads (ShellPlaceholder) draws it too, and must not pull Layout into the first load.
 * `match`: the section a link stands for (list, board, detail and form pages).
 */
export const NAV: { to: string; label: string; icon: string; match: RegExp }[] = [
  { to: '/', label: 'Tableau de bord', icon: '◧', match: /^\/$/ },
  { to: '/clients', label: 'Clients', icon: '◉', match: /^\/clients/ },
  { to: '/projets', label: 'Projets', icon: '▤', match: /^\/projets/ },
  { to: '/opportunites/pipeline', label: 'Pipeline', icon: '▥', match: /^\/opportunites\/pipeline/ },
  { to: '/opportunites', label: 'Opportunités', icon: '◆', match: /^\/opportunites(?!\/pipeline)/ },
  { to: '/taches/tableau', label: 'Tâches', icon: '✓', match: /^\/taches/ },
  { to: '/devis', label: 'Devis', icon: '€', match: /^\/devis/ },
  { to: '/rapports', label: 'Rapports', icon: '▲', match: /^\/rapports/ },
];
