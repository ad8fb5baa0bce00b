import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared';
import { useTRPC } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { labelOptions, ListToolbar, SearchInput, SelectFilter } from '../../components/ListToolbar';
import { DataTable } from '../../components/DataTable';
import { Pagination } from '../../components/Pagination';
import { EmptyState, QueryState } from '../../components/Status';
import { useOpportuniteOptions } from '../opportunites/useOpportuniteOptions';
import { DEVIS_COLUMNS } from './columns';

export function DevisListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(['statut', 'opportunite'] as const, { ordering: '-dateCreation' });
  const opportunites = useOpportuniteOptions();
  const list = useQuery({
    ...trpc.devis.list.queryOptions(
      compact({ page, pageSize: 25, search: values.search, ordering: values.ordering, statut: values.statut as never, opportunite: toId(values.opportunite) }),
    ),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Devis"
        subtitle={list.data ? `${list.data.count} devis` : undefined}
        actions={
          <Link className="btn btn--primary" to={`/devis/nouveau${values.opportunite ? `?opportunite=${values.opportunite}` : ''}`}>
            + Nouveau devis
          </Link>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Contenu…" />
        <SelectFilter label="Statut" value={values.statut} onChange={(statut) => set({ statut })} options={labelOptions(LABELS.devisStatut)} />
        <SelectFilter label="Opportunité" value={values.opportunite} onChange={(opportunite) => set({ opportunite })} options={opportunites} allLabel="Toutes" />
      </ListToolbar>
      <QueryState query={list} isEmpty={list.data?.results.length === 0} empty={<EmptyState title="Aucun devis trouvé." />}>
        <DataTable caption="Liste des devis" columns={DEVIS_COLUMNS} rows={list.data?.results ?? []} ordering={values.ordering} onOrdering={(ordering) => set({ ordering })} />
        <Pagination page={page} pageSize={25} count={list.data?.count ?? 0} onPage={(p) => set({ page: p })} />
      </QueryState>
    </>
  );
}
