import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared';
import { useTRPC } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { ExportButton } from '../../components/ExportButton';
import { labelOptions, ListToolbar, SearchInput, SelectFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import { DEVIS_COLUMNS } from '../../components/columns/devisColumns';
import { PickerFilter } from '../../components/pickers/RecordPicker';

export function DevisListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(['statut', 'opportunite'] as const, { ordering: '-dateCreation' });
  const input = compact({
    page,
    pageSize: PAGE_SIZE,
    search: values.search,
    ordering: values.ordering,
    statut: values.statut as never,
    opportunite: toId(values.opportunite),
  });
  const list = useQuery({
    ...trpc.devis.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Devis"
        subtitle={countLabel(list.data, 'devis', 'devis')}
        actions={
          <>
            <ExportButton path="/devis/" params={input} />
            <Link
              className="btn btn--primary"
              to={`/devis/nouveau${values.opportunite ? `?opportunite=${values.opportunite}` : ''}`}
            >
              + Nouveau devis
            </Link>
          </>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Contenu…" />
        <SelectFilter
          label="Statut"
          value={values.statut}
          onChange={(statut) => set({ statut })}
          options={labelOptions(LABELS.devisStatut)}
        />
        <PickerFilter
          kind="opportunite"
          label="Opportunité"
          value={values.opportunite}
          onChange={(opportunite) => set({ opportunite })}
          allLabel="Toutes"
        />
      </ListToolbar>
      <ListResults
        query={list}
        caption="Liste des devis"
        columns={DEVIS_COLUMNS}
        empty="Aucun devis trouvé."
        ordering={values.ordering}
        page={page}
        set={set}
      />
    </>
  );
}
