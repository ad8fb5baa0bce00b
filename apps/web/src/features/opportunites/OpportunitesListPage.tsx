import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { LABELS } from '@crm/shared';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { parseDecimal } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { ExportButton } from '../../components/ExportButton';
import { BulkBar, useSelection } from '../../components/BulkBar';
import { useCurrentUser } from '../../lib/currentUser';
import { labelOptions, ListToolbar, SearchInput, SelectFilter, TextFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import { OPPORTUNITE_COLUMNS } from '../../components/columns/opportuniteColumns';
import { opportuniteBulkActions } from './bulkActions';
import { PickerFilter } from '../../components/pickers/RecordPicker';

const amount = (s: string) => {
  const n = parseDecimal(s);
  return n == null || Number.isNaN(n) ? undefined : n;
};

export function OpportunitesListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(
    ['etape', 'client', 'responsable', 'resultat', 'montantMin', 'montantMax'] as const,
    {
      ordering: '-dateCreation',
    },
  );
  const input = compact({
    page,
    pageSize: PAGE_SIZE,
    search: values.search,
    ordering: values.ordering as never,
    etape: values.etape as never,
    resultat: values.resultat as never,
    client: toId(values.client),
    responsable: toId(values.responsable),
    montantMin: amount(values.montantMin),
    montantMax: amount(values.montantMax),
  });
  const list = useQuery({
    ...trpc.opportunites.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const trpcClient = useTRPCClient();
  const me = useCurrentUser();
  const staff = me.role !== 'commercial';
  const bulk = useSelection(JSON.stringify({ ...input, page: undefined }));
  const bulkActions = opportuniteBulkActions(staff);
  return (
    <>
      <PageHeader
        title="Opportunités"
        subtitle={countLabel(list.data, 'opportunité', 'opportunités')}
        actions={
          <>
            <ExportButton path="/opportunites/" params={input} />
            <Link className="btn btn--ghost" to="/imports/nouveau?ressource=opportunites">
              Importer
            </Link>
            <Link className="btn btn--ghost" to="/opportunites/pipeline">
              Vue pipeline
            </Link>
            <Link
              className="btn btn--primary"
              to={`/opportunites/nouvelle${values.client ? `?client=${values.client}` : ''}`}
            >
              + Nouvelle opportunité
            </Link>
          </>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Nom, notes…" />
        <SelectFilter
          label="Étape"
          value={values.etape}
          onChange={(etape) => set({ etape })}
          options={labelOptions(LABELS.etape)}
          allLabel="Toutes"
        />
        <SelectFilter
          label="Résultat"
          value={values.resultat}
          onChange={(resultat) => set({ resultat })}
          options={labelOptions(LABELS.resultat)}
        />
        <PickerFilter kind="client" label="Client" value={values.client} onChange={(client) => set({ client })} />
        <PickerFilter
          kind="user"
          label="Responsable"
          value={values.responsable}
          onChange={(responsable) => set({ responsable })}
        />
        <TextFilter
          label="Montant min"
          narrow
          inputMode="decimal"
          value={values.montantMin}
          onChange={(montantMin) => set({ montantMin })}
        />
        <TextFilter
          label="Montant max"
          narrow
          inputMode="decimal"
          value={values.montantMax}
          onChange={(montantMax) => set({ montantMax })}
        />
      </ListToolbar>
      <BulkBar
        total={list.data?.count ?? 0}
        state={bulk}
        filtres={input}
        actions={bulkActions}
        run={(body) => trpcClient.lots.opportunites.mutate(body as never)}
      />
      <ListResults
        selection={bulk.selection}
        query={list}
        caption="Liste des opportunités"
        columns={OPPORTUNITE_COLUMNS}
        empty="Aucune opportunité trouvée."
        ordering={values.ordering}
        page={page}
        set={set}
      />
    </>
  );
}
