import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { IMPORT_LABELS, type ImportStatut } from '@crm/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { formatDateTime } from '../../lib/format';
import { Badge } from '../../components/Badge';
import { DataTable, type Column } from '../../components/DataTable';
import { Pagination } from '../../components/Pagination';
import { EmptyState, QueryState } from '../../components/Status';
import { RejetsButton } from './RejetsButton';

type ImportRow = RouterOutputs['imports']['list']['results'][number];

const PAGE_SIZE = 10;
const RUNNING = new Set<ImportStatut>(['analyse', 'en_file', 'en_cours']);
const TONE: Record<ImportStatut, string> = {
  analyse: 'info',
  pret: 'warning',
  en_file: 'info',
  en_cours: 'info',
  termine: 'success',
  echoue: 'danger',
};

/** What an import did (or found), in a few words. */
function bilan(i: ImportRow): string {
  if (i.statut === 'termine') {
    const r = i.resultat;
    return `${r.crees} créé(s), ${r.misAJour} mis à jour, ${r.ignores} ignoré(s), ${r.rejetes} rejeté(s)`;
  }
  if (i.statut === 'echoue') return i.erreur ?? 'Échec';
  if (i.statut === 'pret') return `${i.analyse.valides} valide(s), ${i.analyse.invalides} en erreur`;
  if (i.statut === 'en_cours') return `${i.progression.faits} / ${i.progression.total} ligne(s)`;
  return `${i.analyse.lignes} ligne(s)`;
}

/**
 * The caller's imports (everyone's for managers and admins), newest first: their state, what they
 * did and the report of rejected rows. Followed while one of them runs. The page lives in the URL
 * (`?page=`), beside the upload form's `?ressource=`.
 */
export function RecentImports({ page, onPage }: { page: number; onPage: (page: number) => void }) {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.imports.list.queryOptions({ page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.results.some((i) => RUNNING.has(i.statut)) ? 2000 : false),
  });
  const columns: Column<ImportRow>[] = [
    { header: 'Date', render: (i) => formatDateTime(i.dateCreation) },
    {
      header: 'Fichier',
      render: (i) => <Link to={`/imports/${i.id}`}>{i.nomFichier || `Import n° ${i.id}`}</Link>,
    },
    { header: 'Contenu', render: (i) => IMPORT_LABELS.ressource[i.ressource] },
    {
      header: 'État',
      render: (i) => (
        <Badge tone={TONE[i.statut]}>
          {IMPORT_LABELS.statut[i.statut]}
          {i.statut === 'en_cours' ? ` (${i.progression.pourcentage} %)` : ''}
        </Badge>
      ),
    },
    { header: 'Bilan', render: bilan },
    { header: 'Par', render: (i) => i.creeParNom },
    {
      header: 'Lignes rejetées',
      render: (i) =>
        i.rapportRejets ? (
          <RejetsButton
            small
            path={i.rapportRejets}
            label="CSV"
            ariaLabel={`Lignes rejetées de ${i.nomFichier || `l’import n° ${i.id}`} (CSV)`}
          />
        ) : (
          '—'
        ),
    },
  ];
  return (
    <section className="card" aria-labelledby="imports-recents">
      <div className="card-header">
        <h2 id="imports-recents">Imports récents</h2>
      </div>
      <QueryState
        query={list}
        isEmpty={list.data?.results.length === 0 && !list.isPlaceholderData}
        empty={<EmptyState title="Aucun import pour l’instant." />}
      >
        <DataTable
          stale={list.isPlaceholderData}
          caption="Imports récents, le plus récent d’abord"
          columns={columns}
          rows={list.data?.results ?? []}
        />
        <Pagination page={page} pageSize={PAGE_SIZE} count={list.data?.count ?? 0} onPage={onPage} />
      </QueryState>
    </section>
  );
}
