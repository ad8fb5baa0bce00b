import { Link } from 'react-router-dom';
import type { RouterOutputs } from '../../lib/trpc';
import type { Column } from '../DataTable';
import { formatDate } from '../../lib/format';
import { PrioriteBadge, RetardBadge, TacheStatutBadge } from '../badges';

export type TacheRow = RouterOutputs['taches']['list']['results'][number];

export const TACHE_COLUMNS: Column<TacheRow>[] = [
  { header: 'Titre', render: (t) => <Link to={`/taches/${t.id}`}>{t.titre}</Link> },
  { header: 'Priorité', sort: 'priorite', render: (t) => <PrioriteBadge value={t.priorite} /> },
  {
    header: 'Statut',
    render: (t) => (
      <>
        <TacheStatutBadge value={t.statut} /> <RetardBadge late={t.enRetard} />
      </>
    ),
  },
  { header: 'Échéance', sort: 'dateEcheance', render: (t) => formatDate(t.dateEcheance) },
  { header: 'Client', render: (t) => (t.client ? <Link to={`/clients/${t.client}`}>{t.clientNom}</Link> : '—') },
  { header: 'Projet', render: (t) => (t.projet ? <Link to={`/projets/${t.projet}`}>{t.projetTitre}</Link> : '—') },
  { header: 'Assignée à', render: (t) => t.assigneANom ?? '—' },
];
