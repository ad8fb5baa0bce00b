import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared';
import { useTRPC } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { labelOptions, ListToolbar, SearchInput, SelectFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import { PROJET_COLUMNS } from './columns';
import { PickerFilter } from '../pickers/RecordPicker';

const RETARD: [string, string][] = [
  ['true', 'En retard'],
  ['false', 'Dans les temps'],
];

export function ProjetsListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(['statut', 'client', 'enRetard'] as const, { ordering: '-dateCreation' });
  const list = useQuery({
    ...trpc.projets.list.queryOptions(
      compact({
        page,
        pageSize: PAGE_SIZE,
        search: values.search,
        ordering: values.ordering as never,
        statut: values.statut as never,
        client: toId(values.client),
        enRetard: values.enRetard as never,
      }),
    ),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Projets"
        subtitle={countLabel(list.data, 'projet', 'projets')}
        actions={
          <Link className="btn btn--primary" to={`/projets/nouveau${values.client ? `?client=${values.client}` : ''}`}>
            + Nouveau projet
          </Link>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Titre, description…" />
        <SelectFilter label="Statut" value={values.statut} onChange={(statut) => set({ statut })} options={labelOptions(LABELS.projetStatut)} />
        <PickerFilter kind="client" label="Client" value={values.client} onChange={(client) => set({ client })} />
        <SelectFilter label="Échéance" value={values.enRetard} onChange={(enRetard) => set({ enRetard })} options={RETARD} />
      </ListToolbar>
      <ListResults query={list} caption="Liste des projets" columns={PROJET_COLUMNS} empty="Aucun projet trouvé." ordering={values.ordering} page={page} set={set} />
    </>
  );
}
