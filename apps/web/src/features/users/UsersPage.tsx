import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LABELS } from '@crm/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fullErrorMessage } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { ExportButton } from '../../components/ExportButton';
import { ListToolbar, SearchInput, SelectFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import type { Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { useNotify } from '../../components/Notifications';
import { displayName, useCurrentUser } from '../../lib/currentUser';
import { UserFormDialog } from './UserFormDialog';

type UserRow = RouterOutputs['users']['list']['results'][number];

/** Team management (admin): create accounts, change roles, deactivate — a user is never deleted. */
export function UsersPage() {
  const trpc = useTRPC();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const { values, page, set } = useListParams(['isActive'] as const);
  const [editing, setEditing] = useState<UserRow | 'new' | null>(null);
  const input = {
    page,
    pageSize: PAGE_SIZE,
    ...(values.search ? { search: values.search } : {}),
    ...(values.isActive ? { isActive: values.isActive as 'true' | 'false' } : {}),
  };
  const list = useQuery({
    ...trpc.users.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const patch = useMutation(
    trpc.users.patch.mutationOptions({
      onSuccess: (u) => {
        notify(
          u.isActive
            ? `Le compte de ${displayName(u)} est réactivé.`
            : `Le compte de ${displayName(u)} est désactivé : ses sessions sont fermées.`,
        );
        void queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  const columns: Column<UserRow>[] = [
    { header: 'Nom', render: (u) => displayName(u) },
    { header: "Nom d'utilisateur", render: (u) => u.username },
    { header: 'E-mail', render: (u) => u.email || '—' },
    {
      header: 'Rôle',
      render: (u) => (
        <Badge tone={u.role === 'admin' ? 'accent' : u.role === 'manager' ? 'info' : 'neutral'}>
          {LABELS.role[u.role]}
        </Badge>
      ),
    },
    { header: 'Département', render: (u) => u.departement || '—' },
    { header: 'Statut', render: (u) => (u.isActive ? <Badge tone="success">Actif</Badge> : <Badge>Désactivé</Badge>) },
    { header: 'Depuis le', render: (u) => formatDate(u.dateCreation) },
    {
      header: 'Actions',
      render: (u) => (
        <span className="row-actions">
          <button type="button" className="btn btn--ghost btn--small" onClick={() => setEditing(u)}>
            Modifier<span className="sr-only"> {displayName(u)}</span>
          </button>
          {u.id !== me.id && (
            <button
              type="button"
              className="btn btn--ghost btn--small"
              disabled={patch.isPending}
              onClick={() => patch.mutate({ id: u.id, isActive: !u.isActive })}
            >
              {u.isActive ? 'Désactiver' : 'Réactiver'}
              <span className="sr-only"> {displayName(u)}</span>
            </button>
          )}
        </span>
      ),
    },
  ];
  if (me.role !== 'admin') return <PageHeader title="Équipe" subtitle="Réservé aux administrateurs." />;
  return (
    <>
      <PageHeader
        title="Équipe"
        subtitle={countLabel(list.data, 'utilisateur', 'utilisateurs')}
        actions={
          <>
            <ExportButton path="/users/" params={input} />
            <button type="button" className="btn btn--primary" onClick={() => setEditing('new')}>
              + Nouvel utilisateur
            </button>
          </>
        }
      />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Nom, e-mail…" />
        <SelectFilter
          label="Statut"
          value={values.isActive}
          onChange={(isActive) => set({ isActive })}
          options={[
            ['true', 'Actifs'],
            ['false', 'Désactivés'],
          ]}
        />
      </ListToolbar>
      <ListResults
        query={list}
        caption="Utilisateurs"
        columns={columns}
        empty="Aucun utilisateur."
        ordering=""
        page={page}
        set={set}
      />
      {editing && <UserFormDialog user={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
    </>
  );
}
