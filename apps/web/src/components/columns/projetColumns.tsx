import { Link } from 'react-router-dom';
import type { RouterOutputs } from '../../lib/trpc';
import type { Column } from '../DataTable';
import { formatDate, formatMoney } from '../../lib/format';
import { ProjetStatutBadge, RetardBadge } from '../badges';

export type ProjetRow = RouterOutputs['projets']['list']['results'][number];

export const PROJET_COLUMNS: Column<ProjetRow>[] = [
  { header: 'Titre', sort: 'titre', render: (p) => <Link to={`/projets/${p.id}`}>{p.titre}</Link> },
  { header: 'Client', render: (p) => <Link to={`/clients/${p.client}`}>{p.clientNom}</Link> },
  {
    header: 'Statut',
    render: (p) => (
      <>
        <ProjetStatutBadge value={p.statut} /> <RetardBadge late={p.enRetard} />
      </>
    ),
  },
  { header: 'Début', sort: 'dateDebut', render: (p) => formatDate(p.dateDebut) },
  { header: 'Fin', sort: 'dateFin', render: (p) => formatDate(p.dateFin) },
  { header: 'Budget', sort: 'budget', className: 'num', render: (p) => formatMoney(p.budget) },
];
