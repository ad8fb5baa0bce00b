import { useQuery, keepPreviousData } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../../lib/trpc';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { formatDate, formatPhone } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { ExportButton } from '../../components/ExportButton';
import { BulkBar, useSelection, type BulkAction } from '../../components/BulkBar';
import { useCurrentUser } from '../../lib/currentUser';
import { ListToolbar, SearchInput, TextFilter } from '../../components/ListToolbar';
import type { Column } from '../../components/DataTable';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import { EmptyState } from '../../components/Status';
import { PickerFilter } from '../../components/pickers/RecordPicker';

type Row = RouterOutputs['clients']['list']['results'][number];

const COLUMNS: Column<Row>[] = [
  { header: 'Nom', sort: 'nom', render: (c) => <Link to={`/clients/${c.id}`}>{c.nom}</Link> },
  { header: 'Société', sort: 'societe', render: (c) => c.societe || '—' },
  { header: 'E-mail', render: (c) => (c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : '—') },
  {
    header: 'Téléphone',
    render: (c) => (c.telephone ? <a href={`tel:${c.telephone}`}>{formatPhone(c.telephone)}</a> : '—'),
  },
  { header: 'Catégorie', render: (c) => c.categorie || '—' },
  { header: 'Responsable', render: (c) => c.responsableNom ?? '—' },
  { header: 'Créé le', sort: 'dateCreation', render: (c) => formatDate(c.dateCreation) },
];

export function ClientsListPage() {
  const trpc = useTRPC();
  const { values, page, set } = useListParams(['categorie', 'responsable'] as const, { ordering: 'nom' });
  const input = compact({
    page,
    pageSize: PAGE_SIZE,
    search: values.search,
    ordering: values.ordering as never,
    categorie: values.categorie,
    responsable: toId(values.responsable),
  });
  const list = useQuery({
    ...trpc.clients.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const trpcClient = useTRPCClient();
  const me = useCurrentUser();
  const staff = me.role !== 'commercial';
  const bulk = useSelection(JSON.stringify({ ...input, page: undefined }));
  const bulkActions: BulkAction[] = [
    {
      action: 'reassigner',
      label: 'Changer de responsable',
      field: { name: 'responsable', label: 'Responsable', picker: 'user' },
    },
    { action: 'ajouter_tache', label: 'Ajouter une tâche à chacun', tache: true },
    ...(staff ? [{ action: 'supprimer', label: 'Supprimer', danger: true }] : []),
  ];
  return (
    <>
      <PageHeader
        title="Clients"
        subtitle={countLabel(list.data, 'client', 'clients')}
        actions={
          <>
            <ExportButton path="/clients/" params={input} />
            <Link className="btn btn--ghost" to="/imports/nouveau?ressource=clients">
              Importer
            </Link>
            <Link className="btn btn--primary" to="/clients/nouveau">
              + Nouveau client
            </Link>
          </>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Nom, société, e-mail…" />
        <TextFilter
          label="Catégorie"
          value={values.categorie}
          onChange={(categorie) => set({ categorie })}
          placeholder="ex. PME"
        />
        <PickerFilter
          kind="user"
          label="Responsable"
          value={values.responsable}
          onChange={(responsable) => set({ responsable })}
        />
      </ListToolbar>
      <BulkBar
        total={list.data?.count ?? 0}
        state={bulk}
        filtres={input}
        actions={bulkActions}
        run={(body) => trpcClient.lots.clients.mutate(body as never)}
      />
      <ListResults
        selection={bulk.selection}
        query={list}
        caption="Liste des clients"
        columns={COLUMNS}
        empty={
          <EmptyState title="Aucun client trouvé.">
            <Link to="/clients/nouveau">Créer un client</Link>
          </EmptyState>
        }
        ordering={values.ordering}
        page={page}
        set={set}
      />
    </>
  );
}
