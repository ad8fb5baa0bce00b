import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fullErrorMessage } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { useListParams } from '../../lib/useListParams';
import { PageHeader } from '../../components/PageHeader';
import { countLabel, ListResults, PAGE_SIZE } from '../../components/ListResults';
import type { Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { ConfirmDialog } from '../../components/Modal';
import { useNotify } from '../../components/Notifications';
import { useCurrentUser } from '../../lib/currentUser';
import { ApiKeyCreateDialog, SecretDialog } from './ApiKeyDialogs';
import { describeScopes } from './scopes';
import { WebhooksSection } from './WebhooksSection';

type KeyRow = RouterOutputs['clesApi']['list']['results'][number];

/**
 * « Intégrations »: API keys (admins: every key, acting as any user; others: their own, when an
 * admin allows it), webhooks (admins) and each user's calendar feed URL.
 */
export function IntegrationsPage() {
  const me = useCurrentUser();
  return (
    <>
      <PageHeader title="Intégrations" subtitle="Clés d'API et webhooks pour vos outils, et votre agenda." />
      <ApiKeysSection />
      {me.role === 'admin' && <WebhooksSection />}
      <CalendarSection />
    </>
  );
}

function ApiKeysSection() {
  const trpc = useTRPC();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const { page, set } = useListParams([] as const);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<KeyRow | null>(null);
  const settings = useQuery(trpc.clesApi.reglages.queryOptions({}));
  const list = useQuery({
    ...trpc.clesApi.list.queryOptions({ page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.clesApi.pathKey() });
  const revoke = useMutation(
    trpc.clesApi.delete.mutationOptions({
      onSuccess: () => {
        notify(`La clé « ${revoking?.nom} » est révoquée : elle est refusée dès maintenant.`);
        setRevoking(null);
        void invalidate();
      },
    }),
  );
  const toggle = useMutation(
    trpc.clesApi.modifierReglages.mutationOptions({
      onSuccess: () => void invalidate(),
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  const canCreate = me.role === 'admin' || settings.data?.libreService === true;
  const columns: Column<KeyRow>[] = [
    { header: 'Nom', render: (k) => k.nom },
    { header: 'Préfixe', render: (k) => <code>{k.prefixe}…</code> },
    { header: 'Portées', render: (k) => describeScopes(k.scopes) },
    ...(me.role === 'admin' ? [{ header: 'Agit au nom de', render: (k: KeyRow) => k.userNom }] : []),
    { header: 'Expire', render: (k) => (k.expireLe ? formatDate(k.expireLe) : 'Jamais') },
    {
      header: 'Dernière utilisation',
      render: (k) =>
        k.derniereUtilisation
          ? `${formatDate(k.derniereUtilisation)}${k.derniereIp ? ` (${k.derniereIp})` : ''}`
          : 'Jamais',
    },
    {
      header: 'État',
      render: (k) =>
        k.active ? <Badge tone="success">Active</Badge> : <Badge>{k.revoqueeLe ? 'Révoquée' : 'Expirée'}</Badge>,
    },
    {
      header: 'Actions',
      render: (k) =>
        k.revoqueeLe ? null : (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => setRevoking(k)}>
            Révoquer<span className="sr-only"> la clé {k.nom}</span>
          </button>
        ),
    },
  ];
  return (
    <section className="card section" aria-labelledby="cles-titre">
      <div className="section-header">
        <h2 id="cles-titre">Clés d'API</h2>
        {canCreate && (
          <button type="button" className="btn btn--primary" onClick={() => setCreating(true)}>
            + Nouvelle clé
          </button>
        )}
      </div>
      <p className="muted">
        Une clé s'envoie dans l'en-tête <code>Authorization: Bearer crm_…</code> ; elle agit au nom d'un utilisateur,
        dans les portées choisies. {countLabel(list.data, 'clé', 'clés')}
      </p>
      {me.role === 'admin' && settings.data && (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={settings.data.libreService}
            disabled={toggle.isPending}
            onChange={(e) => toggle.mutate({ libreService: e.target.checked })}
          />
          Les utilisateurs peuvent créer leurs propres clés
        </label>
      )}
      {!canCreate && <p className="muted">Seul un administrateur peut créer des clés d'API.</p>}
      <ListResults
        query={list}
        caption="Clés d'API"
        columns={columns}
        empty="Aucune clé d'API."
        ordering=""
        page={page}
        set={set}
      />
      {creating && <ApiKeyCreateDialog onClose={() => setCreating(false)} />}
      {revoking && (
        <ConfirmDialog
          title="Révoquer la clé"
          message={`Les intégrations qui utilisent « ${revoking.nom} » seront refusées immédiatement.`}
          confirmLabel="Révoquer"
          busy={revoke.isPending}
          error={revoke.error ? <p className="alert alert--error">{fullErrorMessage(revoke.error)}</p> : null}
          onConfirm={() => revoke.mutate({ id: revoking.id })}
          onClose={() => setRevoking(null)}
        />
      )}
    </section>
  );
}

function CalendarSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [shown, setShown] = useState<string | null>(null);
  const status = useQuery(trpc.calendrier.statut.queryOptions({}));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.calendrier.pathKey() });
  const create = useMutation(
    trpc.calendrier.creer.mutationOptions({
      onSuccess: (feed) => {
        setShown(`${window.location.origin}${feed.url}`);
        void refresh();
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  const revoke = useMutation(
    trpc.calendrier.revoquer.mutationOptions({
      onSuccess: () => {
        notify("L'adresse de votre agenda est révoquée.");
        void refresh();
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  const actif = status.data?.actif;
  return (
    <section className="card section" aria-labelledby="agenda-titre">
      <h2 id="agenda-titre">Mon agenda</h2>
      <p className="muted">
        Abonnez Google Agenda, Outlook ou Calendrier d'Apple à vos tâches et aux dates de conclusion prévues de vos
        opportunités. L'adresse est secrète : quiconque la connaît voit ces événements.
      </p>
      <p>{actif ? `Adresse active depuis le ${formatDate(status.data!.dateCreation!)}.` : 'Aucune adresse active.'}</p>
      <div className="row-actions">
        <button
          type="button"
          className="btn btn--primary"
          disabled={create.isPending}
          onClick={() => create.mutate({})}
        >
          {actif ? "Renouveler l'adresse" : "Créer l'adresse de l'agenda"}
        </button>
        {actif && (
          <button
            type="button"
            className="btn btn--ghost"
            disabled={revoke.isPending}
            onClick={() => revoke.mutate({})}
          >
            Révoquer l'adresse
          </button>
        )}
      </div>
      {shown && (
        <SecretDialog
          title="Adresse de votre agenda"
          nom="votre agenda"
          secret={shown}
          onClose={() => setShown(null)}
        />
      )}
    </section>
  );
}
