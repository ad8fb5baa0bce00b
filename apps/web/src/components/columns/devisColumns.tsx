import { Link } from 'react-router-dom';
import type { RouterOutputs } from '../../lib/trpc';
import type { Column } from '../DataTable';
import { formatDate, formatMoney } from '../../lib/format';
import { DevisStatutBadge } from '../badges';

export type DevisRow = RouterOutputs['devis']['list']['results'][number];

export const DEVIS_COLUMNS: Column<DevisRow>[] = [
  { header: 'Devis', render: (d) => <Link to={`/devis/${d.id}`}>{`${d.numero} v${d.version}`}</Link>, sort: 'version' },
  { header: 'Opportunité', render: (d) => <Link to={`/opportunites/${d.opportunite}`}>{d.opportuniteNom}</Link> },
  { header: 'Client', render: (d) => <Link to={`/clients/${d.client}`}>{d.clientNom}</Link> },
  { header: 'Statut', render: (d) => <DevisStatutBadge value={d.statut} /> },
  { header: 'Montant HT', sort: 'montant', className: 'num', render: (d) => formatMoney(d.montant) },
  { header: 'TTC', className: 'num', render: (d) => formatMoney(d.montantTtc) },
  { header: 'Créé le', sort: 'dateCreation', render: (d) => formatDate(d.dateCreation) },
];
