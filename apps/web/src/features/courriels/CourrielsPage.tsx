import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { LABELS, type CourrielStatut } from '@crm/shared';
import { Link } from 'react-router-dom';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { formatDateTime } from '../../lib/format';
import { useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { labelOptions, ListToolbar, SearchInput, SelectFilter } from '../../components/ListToolbar';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import type { Column } from '../../components/DataTable';
import { useCurrentUser } from '../../lib/currentUser';
import { CourrielStatutBadge } from '../../components/courriels/CourrielStatut';
import { CourrielDialog } from './CourrielDialog';

type CourrielRow = RouterOutputs['courriels']['list']['results'][number];

/** The outbox (admin): every e-mail sent or waiting — without SMTP_HOST, the local mailbox. */
export function CourrielsPage() {
  const trpc = useTRPC();
  const me = useCurrentUser();
  const { values, page, set } = useListParams(['statut'] as const);
  const [open, setOpen] = useState<number | null>(null);
  const list = useQuery({
    ...trpc.courriels.list.queryOptions({
      page,
      pageSize: PAGE_SIZE,
      ...(values.search ? { search: values.search } : {}),
      ...(values.statut ? { statut: values.statut as CourrielStatut } : {}),
    }),
    placeholderData: keepPreviousData,
    enabled: me.role === 'admin',
  });
  const columns: Column<CourrielRow>[] = [
    { header: 'Date', render: (m) => formatDateTime(m.dateCreation) },
    {
      header: 'Sujet',
      render: (m) => (
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setOpen(m.id)}>
          {m.sujet}
        </button>
      ),
    },
    { header: 'Destinataire', render: (m) => m.destinataire },
    { header: 'Statut', render: (m) => <CourrielStatutBadge value={m.statut} /> },
    { header: 'Tentatives', className: 'num', render: (m) => m.tentatives },
    { header: 'Devis', render: (m) => (m.devis ? <Link to={`/devis/${m.devis}`}>Voir</Link> : '—') },
    { header: 'Expéditeur', render: (m) => m.expediteurNom ?? '—' },
  ];
  if (me.role !== 'admin') return <PageHeader title="Courriels" subtitle="Réservé aux administrateurs." />;
  return (
    <>
      <PageHeader title="Courriels" subtitle={countLabel(list.data, 'e-mail', 'e-mails')} />
      <ListToolbar>
        <SearchInput value={values.search} onChange={(search) => set({ search })} placeholder="Destinataire, sujet…" />
        <SelectFilter
          label="Statut"
          value={values.statut}
          onChange={(statut) => set({ statut })}
          options={labelOptions(LABELS.courrielStatut)}
        />
      </ListToolbar>
      <ListResults
        query={list}
        caption="E-mails"
        columns={columns}
        empty="Aucun e-mail."
        ordering=""
        page={page}
        set={set}
      />
      {open !== null && <CourrielDialog id={open} onClose={() => setOpen(null)} />}
    </>
  );
}
