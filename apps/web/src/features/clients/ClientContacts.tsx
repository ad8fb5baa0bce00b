import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { fieldErrorsOf, errorMessage } from '../../lib/errors';
import { useFormValues } from '../../lib/useForm';
import { Field } from '../../components/Field';
import { EmptyState, ErrorAlert, QueryState } from '../../components/Status';
import './contacts.css';

const EMPTY = { prenom: '', nom: '', fonction: '', email: '', telephone: '' };

/** The client's contacts (main one first) with a quick-add form that keeps what was typed on error. */
export function ClientContacts({ clientId }: { clientId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const contacts = useQuery(trpc.contacts.byClient.queryOptions({ id: clientId, page: 1, pageSize: 100 }));
  const [adding, setAdding] = useState(false);
  const form = useFormValues(EMPTY);
  const [principal, setPrincipal] = useState(false);
  const create = useMutation(
    trpc.contacts.createForClient.mutationOptions({
      onSuccess: () => {
        form.setValues(EMPTY);
        setPrincipal(false);
        setAdding(false);
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.pathKey() });
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ id: clientId, ...form.values, principal });
  };
  const list = contacts.data?.results ?? [];
  return (
    <section className="card" aria-labelledby={`contacts-${clientId}`}>
      <div className="card-header">
        <h2 id={`contacts-${clientId}`}>
          Contacts {contacts.data && <span className="count">{contacts.data.count}</span>}
        </h2>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          aria-expanded={adding}
          onClick={() => setAdding((v) => !v)}
        >
          {adding ? 'Fermer' : '+ Ajouter un contact'}
        </button>
      </div>
      {adding && (
        <form className="contact-form" onSubmit={submit} noValidate aria-label="Nouveau contact">
          <Field label="Prénom" errors={errors.prenom}>
            {(p) => <input {...p} {...form.bind('prenom')} autoComplete="off" />}
          </Field>
          <Field label="Nom" required errors={errors.nom}>
            {(p) => <input {...p} {...form.bind('nom')} autoComplete="off" />}
          </Field>
          <Field label="Fonction" errors={errors.fonction}>
            {(p) => <input {...p} {...form.bind('fonction')} />}
          </Field>
          <Field label="E-mail" errors={errors.email}>
            {(p) => <input {...p} type="email" {...form.bind('email')} />}
          </Field>
          <Field label="Téléphone" errors={errors.telephone} hint="Ex. 06 12 34 56 78">
            {(p) => <input {...p} type="tel" {...form.bind('telephone')} />}
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={principal} onChange={(e) => setPrincipal(e.target.checked)} />
            Contact principal
          </label>
          {create.error && !Object.keys(errors).length ? <ErrorAlert>{errorMessage(create.error)}</ErrorAlert> : null}
          <div className="btn-group">
            <button type="submit" className="btn btn--primary btn--small" disabled={create.isPending}>
              Enregistrer le contact
            </button>
          </div>
        </form>
      )}
      <QueryState
        query={contacts}
        isEmpty={list.length === 0}
        empty={<EmptyState title="Aucun contact pour ce client." />}
      >
        <ul className="contact-list">
          {list.map((c) => (
            <li key={c.id} className="contact-item">
              <div>
                <strong>{c.nomComplet}</strong>
                {c.principal && <span className="badge badge--info contact-principal">Principal</span>}
                {c.fonction && <div className="muted small">{c.fonction}</div>}
              </div>
              <div className="contact-coords">
                {c.email && <a href={`mailto:${c.email}`}>{c.email}</a>}
                {c.telephone && <a href={`tel:${c.telephone}`}>{c.telephone}</a>}
              </div>
            </li>
          ))}
        </ul>
      </QueryState>
    </section>
  );
}
