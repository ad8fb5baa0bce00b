import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { WEBHOOK_EVENTS } from '@crm/shared/labels';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf, fullErrorMessage } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { Badge } from '../../components/Badge';
import { useNotify } from '../../components/Notifications';

type Hook = RouterOutputs['webhooks']['list']['results'][number];
type Delivery = RouterOutputs['webhooks']['livraisons']['results'][number];

const STATUT_LABELS: Record<Delivery['statut'], string> = {
  en_attente: 'En attente',
  en_cours: 'En cours',
  livre: 'Livré',
  echec: 'Échec',
};

/** Webhooks (admin): subscriptions, their signing secret, the delivery log and « Rejouer ». */
export function WebhooksSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [creating, setCreating] = useState(false);
  const [log, setLog] = useState<Hook | null>(null);
  const [removing, setRemoving] = useState<Hook | null>(null);
  const list = useQuery({ ...trpc.webhooks.list.queryOptions({ pageSize: 100 }), placeholderData: keepPreviousData });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });
  const patch = useMutation(
    trpc.webhooks.patch.mutationOptions({
      onSuccess: () => void invalidate(),
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: () => {
        setRemoving(null);
        notify('Webhook supprimé.');
        void invalidate();
      },
    }),
  );
  const hooks = list.data?.results ?? [];
  return (
    <section className="card section" aria-labelledby="webhooks-titre">
      <div className="section-header">
        <h2 id="webhooks-titre">Webhooks</h2>
        <button type="button" className="btn btn--primary" onClick={() => setCreating(true)}>
          + Nouveau webhook
        </button>
      </div>
      <p className="muted">
        Le CRM envoie chaque événement choisi en POST JSON signé (Standard Webhooks) ; les échecs sont réessayés pendant
        24 h, dans l'ordre pour un même objet.
      </p>
      {hooks.length === 0 ? (
        <p className="muted">Aucun webhook.</p>
      ) : (
        <ul className="webhook-list">
          {hooks.map((h) => (
            <li key={h.id} className="webhook-item">
              <div>
                <strong className="break">{h.url}</strong>{' '}
                {h.actif ? <Badge tone="success">Actif</Badge> : <Badge>Désactivé</Badge>}
                {h.description && <div className="muted small">{h.description}</div>}
                <div className="muted small">{h.evenements.join(', ')}</div>
                {!h.actif && h.desactiveLe && (
                  <div className="small">
                    Désactivé automatiquement le {formatDate(h.desactiveLe)} après {h.echecsConsecutifs} échecs
                    consécutifs.
                  </div>
                )}
              </div>
              <div className="row-actions">
                <button type="button" className="btn btn--ghost btn--small" onClick={() => setLog(h)}>
                  Journal<span className="sr-only"> de {h.url}</span>
                </button>
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  disabled={patch.isPending}
                  onClick={() => patch.mutate({ id: h.id, actif: !h.actif })}
                >
                  {h.actif ? 'Désactiver' : 'Réactiver'}
                  <span className="sr-only"> {h.url}</span>
                </button>
                <button type="button" className="btn btn--ghost btn--small" onClick={() => setRemoving(h)}>
                  Supprimer<span className="sr-only"> {h.url}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {creating && <WebhookCreateDialog onClose={() => setCreating(false)} />}
      {log && <DeliveryLogDialog hook={log} onClose={() => setLog(null)} />}
      {removing && (
        <ConfirmDialog
          title="Supprimer le webhook"
          message={`Les événements ne seront plus envoyés à ${removing.url}, et son journal sera effacé.`}
          busy={remove.isPending}
          onConfirm={() => remove.mutate({ id: removing.id })}
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}

function WebhookCreateDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('https://');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [created, setCreated] = useState<Hook | null>(null);
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: (h) => {
        setCreated(h);
        void queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const eventErrors = Object.entries(errors)
    .filter(([k]) => k.startsWith('evenements'))
    .flatMap(([, v]) => v);
  if (created) {
    return (
      <Modal title="Webhook créé" onClose={onClose} wide>
        <div className="modal-body">
          <p>
            Secret de signature (vérifiez l'en-tête <code>webhook-signature</code> avec lui) :
          </p>
          <label className="sr-only" htmlFor="webhook-secret">
            Secret de signature
          </label>
          <input
            id="webhook-secret"
            className="secret"
            readOnly
            value={created.secret}
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
        <div className="modal-actions">
          <button type="button" className="btn btn--primary" onClick={onClose}>
            Fermer
          </button>
        </div>
      </Modal>
    );
  }
  const toggle = (e: string) =>
    setEvents((s) => {
      const n = new Set(s);
      if (n.has(e)) n.delete(e);
      else n.add(e);
      return n;
    });
  return (
    <Modal title="Nouveau webhook" onClose={onClose} wide>
      <FormShell
        onSubmit={() =>
          create.mutate({ url, description, evenements: [...events] as (typeof WEBHOOK_EVENTS)[number][] })
        }
        error={create.error}
        shownFields={['url', 'description', 'evenements']}
        busy={create.isPending}
        onCancel={onClose}
        submitLabel="Créer le webhook"
      >
        <Field label="Adresse (https)" errors={errors.url} required>
          {(p) => <input {...p} type="url" value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <Field label="Description" errors={errors.description}>
          {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <fieldset className="scopes">
          <legend>Événements</legend>
          {eventErrors.length > 0 && <p className="field-error">{eventErrors.join(' ')}</p>}
          <div className="scopes-grid">
            {WEBHOOK_EVENTS.map((e) => (
              <label key={e} className="checkbox">
                <input type="checkbox" checked={events.has(e)} onChange={() => toggle(e)} />
                {e}
              </label>
            ))}
          </div>
        </fieldset>
      </FormShell>
    </Modal>
  );
}

function DeliveryLogDialog({ hook, onClose }: { hook: Hook; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const log = useQuery({
    ...trpc.webhooks.livraisons.queryOptions({ id: hook.id, pageSize: 50 }),
    refetchInterval: 5000,
  });
  const replay = useMutation(
    trpc.webhooks.rejouer.mutationOptions({
      onSuccess: () => {
        notify('Livraison rejouée.');
        void queryClient.invalidateQueries({ queryKey: trpc.webhooks.livraisons.pathKey() });
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  return (
    <Modal title={`Journal de ${hook.url}`} onClose={onClose} wide>
      <div className="modal-body table-wrap">
        <table className="table">
          <caption className="sr-only">Livraisons</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Événement</th>
              <th scope="col">État</th>
              <th scope="col">Code HTTP</th>
              <th scope="col">Tentatives</th>
              <th scope="col">Erreur</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(log.data?.results ?? []).map((d) => (
              <tr key={d.id}>
                <td>{formatDate(d.dateCreation)}</td>
                <td>{d.evenement}</td>
                <td>{STATUT_LABELS[d.statut]}</td>
                <td>{d.codeHttp ?? '—'}</td>
                <td>{d.tentatives}</td>
                <td className="small">{d.derniereErreur || '—'}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn--ghost btn--small"
                    disabled={replay.isPending}
                    onClick={() => replay.mutate({ id: hook.id, livraison: d.id })}
                  >
                    Rejouer<span className="sr-only"> la livraison {d.id}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {log.data && log.data.results.length === 0 && <p className="muted">Aucune livraison.</p>}
      </div>
    </Modal>
  );
}
