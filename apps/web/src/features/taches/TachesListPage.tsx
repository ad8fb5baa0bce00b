import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { ExportButton } from '../../components/ExportButton';
import { BulkBar, useSelection } from '../../components/BulkBar';
import { useCurrentUser } from '../../lib/currentUser';
import { labelOptions, ListToolbar, SearchInput, SelectFilter, TextFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import { TACHE_COLUMNS } from '../../components/columns/tacheColumns';
import { tacheBulkActions } from './bulkActions';
import { PickerFilter } from '../../components/pickers/RecordPicker';
import { ME } from '../../components/pickers/sources';

export function TachesListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(
    ['statut', 'priorite', 'assigneA', 'client', 'projet', 'enRetard', 'echeanceApres', 'echeanceAvant'] as const,
    {
      ordering: 'dateEcheance',
    },
  );
  const input = compact({
    page,
    pageSize: PAGE_SIZE,
    search: values.search,
    ordering: values.ordering as never,
    statut: values.statut as never,
    priorite: values.priorite as never,
    assigneA: values.assigneA === 'me' ? ('me' as const) : toId(values.assigneA),
    client: toId(values.client),
    projet: toId(values.projet),
    enRetard: values.enRetard as never,
    echeanceApres: values.echeanceApres,
    echeanceAvant: values.echeanceAvant,
  });
  const list = useQuery({
    ...trpc.taches.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const trpcClient = useTRPCClient();
  const me = useCurrentUser();
  const staff = me.role !== 'commercial';
  const bulk = useSelection(JSON.stringify({ ...input, page: undefined }));
  const bulkActions = tacheBulkActions(staff);
  return (
    <>
      <PageHeader
        title="Tâches"
        subtitle={countLabel(list.data, 'tâche', 'tâches')}
        actions={
          <>
            <ExportButton path="/taches/" params={input} />
            <Link className="btn btn--ghost" to="/imports/nouveau?ressource=taches">
              Importer
            </Link>
            <Link className="btn btn--ghost" to="/taches/tableau">
              Vue tableau
            </Link>
            <Link
              className="btn btn--primary"
              to={`/taches/nouvelle${values.client ? `?client=${values.client}` : ''}`}
            >
              + Nouvelle tâche
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
          options={labelOptions(LABELS.tacheStatut)}
        />
        <SelectFilter
          label="Priorité"
          value={values.priorite}
          onChange={(priorite) => set({ priorite })}
          options={labelOptions(LABELS.tachePriorite)}
          allLabel="Toutes"
        />
        <PickerFilter
          kind="user"
          label="Assignée à"
          value={values.assigneA}
          onChange={(assigneA) => set({ assigneA })}
          extra={ME}
        />
        <PickerFilter kind="client" label="Client" value={values.client} onChange={(client) => set({ client })} />
        <SelectFilter
          label="Retard"
          value={values.enRetard}
          onChange={(enRetard) => set({ enRetard })}
          options={[
            ['true', 'En retard'],
            ['false', 'Dans les temps'],
          ]}
          allLabel="Toutes"
        />
        <TextFilter
          label="Échéance après"
          type="date"
          value={values.echeanceApres}
          onChange={(echeanceApres) => set({ echeanceApres })}
        />
        <TextFilter
          label="Échéance avant"
          type="date"
          value={values.echeanceAvant}
          onChange={(echeanceAvant) => set({ echeanceAvant })}
        />
      </ListToolbar>
      <BulkBar
        total={list.data?.count ?? 0}
        state={bulk}
        filtres={input}
        actions={bulkActions}
        run={(body) => trpcClient.lots.taches.mutate(body as never)}
      />
      <ListResults
        selection={bulk.selection}
        query={list}
        caption="Liste des tâches"
        columns={TACHE_COLUMNS}
        empty="Aucune tâche trouvée."
        ordering={values.ordering}
        page={page}
        set={set}
      />
    </>
  );
}
