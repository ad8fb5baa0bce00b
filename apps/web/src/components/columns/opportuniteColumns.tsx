import { Link } from 'react-router-dom';
import type { RouterOutputs } from '../../lib/trpc';
import type { Column } from '../DataTable';
import { formatDate, formatMoney } from '../../lib/format';
import { EtapeBadge } from '../badges';

export type OpportuniteRow = RouterOutputs['opportunites']['list']['results'][number];

export const OPPORTUNITE_COLUMNS: Column<OpportuniteRow>[] = [
  { header: 'Nom', sort: 'nom', render: (o) => <Link to={`/opportunites/${o.id}`}>{o.nom}</Link> },
  { header: 'Client', render: (o) => <Link to={`/clients/${o.client}`}>{o.clientNom}</Link> },
  { header: 'Étape', render: (o) => <EtapeBadge etape={o.etape} resultat={o.resultat} /> },
  { header: 'Montant', sort: 'montant', className: 'num', render: (o) => formatMoney(o.montant) },
  { header: 'Probabilité', sort: 'probabilite', className: 'num', render: (o) => `${o.probabilite} %` },
  { header: 'Pondéré', className: 'num', render: (o) => formatMoney(o.valeurPonderee) },
  { header: 'Conclusion estimée', sort: 'dateConclusionEstimee', render: (o) => formatDate(o.dateConclusionEstimee) },
  { header: 'Responsable', render: (o) => o.responsableNom ?? '—' },
];
