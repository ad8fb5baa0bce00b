import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { ExportButton } from '../../components/ExportButton';
import { BulkBar, useSelection, type BulkAction } from '../../components/BulkBar';
import { useCurrentUser } from '../../lib/currentUser';
import { labelOptions, ListToolbar, SearchInput, SelectFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import { PROJET_COLUMNS } from '../../components/columns/projetColumns';
import { PickerFilter } from '../../components/pickers/RecordPicker';

const RETARD: [string, string][] = [
  ['true', 'En retard'],
  ['false', 'Dans les temps'],
];

export function ProjetsListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(['statut', 'client', 'enRetard'] as const, { ordering: '-dateCreation' });
  const input = compact({
    page,
    pageSize: PAGE_SIZE,
    search: values.search,
    ordering: values.ordering as never,
    statut: values.statut as never,
    client: toId(values.client),
    enRetard: values.enRetard as never,
  });
  const list = useQuery({
    ...trpc.projets.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const trpcClient = useTRPCClient();
  const me = useCurrentUser();
  const staff = me.role !== 'commercial';
  const bulk = useSelection(JSON.stringify({ ...input, page: undefined }));
  const bulkActions: BulkAction[] = [
    {
      action: 'changer_statut',
      label: 'Changer le statut',
      field: { name: 'statut', label: 'Statut', options: labelOptions(LABELS.projetStatut) },
    },
    { action: 'ajouter_tache', label: 'Ajouter une tâche à chacun', tache: true },
    ...(staff ? [{ action: 'supprimer', label: 'Supprimer', danger: true }] : []),
  ];
  return (
    <>
      <PageHeader
        title="Projets"
        subtitle={countLabel(list.data, 'projet', 'projets')}
        actions={
          <>
            <ExportButton path="/projets/" params={input} />
            <Link
              className="btn btn--primary"
              to={`/projets/nouveau${values.client ? `?client=${values.client}` : ''}`}
            >
              + Nouveau projet
            </Link>
          </>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Titre, description…" />
        <SelectFilter
          label="Statut"
          value={values.statut}
          onChange={(statut) => set({ statut })}
          options={labelOptions(LABELS.projetStatut)}
        />
        <PickerFilter kind="client" label="Client" value={values.client} onChange={(client) => set({ client })} />
        <SelectFilter
          label="Échéance"
          value={values.enRetard}
          onChange={(enRetard) => set({ enRetard })}
          options={RETARD}
        />
      </ListToolbar>
      <BulkBar
        total={list.data?.count ?? 0}
        state={bulk}
        filtres={input}
        actions={bulkActions}
        run={(body) => trpcClient.lots.projets.mutate(body as never)}
      />
      <ListResults
        selection={bulk.selection}
        query={list}
        caption="Liste des projets"
        columns={PROJET_COLUMNS}
        empty="Aucun projet trouvé."
        ordering={values.ordering}
        page={page}
        set={set}
      />
    </>
  );
}
