import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { API_KEY_FAMILIES } from '@crm/shared/labels';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { Modal } from '../../components/Modal';
import { OptionsSelect } from '../../components/OptionsSelect';
import { displayName, useCurrentUser } from '../../lib/currentUser';
import { emptyScopes, FAMILY_LABELS, scopesOf, type ScopeChoice, type ScopeChoices } from './scopes';

type CreatedKey = RouterOutputs['clesApi']['create'];
const ACCESS_OPTIONS: [string, string][] = [
  ['', 'Aucun accès'],
  ['lecture', 'Lecture'],
  ['ecriture', 'Lecture et écriture'],
];

/** New API key: name, scopes per family, optional expiry, acting user (admins). Shows the secret once. */
export function ApiKeyCreateDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [nom, setNom] = useState('');
  const [expire, setExpire] = useState('');
  const [actingAs, setActingAs] = useState(String(me.id));
  const [scopes, setScopes] = useState<ScopeChoices>(emptyScopes);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const users = useQuery({
    ...trpc.users.list.queryOptions({ pageSize: 100, isActive: 'true' }),
    enabled: me.role === 'admin',
  });
  const create = useMutation(
    trpc.clesApi.create.mutationOptions({
      onSuccess: (key) => {
        setCreated(key);
        void queryClient.invalidateQueries({ queryKey: trpc.clesApi.pathKey() });
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const scopeErrors = Object.entries(errors)
    .filter(([k]) => k.startsWith('scopes'))
    .flatMap(([, v]) => v);
  if (created) return <SecretDialog secret={created.secret} nom={created.nom} onClose={onClose} />;
  const submit = () =>
    create.mutate({
      nom,
      scopes: scopesOf(scopes),
      // End of the chosen day, Paris time is close enough to the user's intent; sent in UTC.
      ...(expire ? { expireLe: new Date(`${expire}T23:59:59`).toISOString() } : {}),
      ...(me.role === 'admin' ? { user: Number(actingAs) } : {}),
    });
  const userOptions: [string, string][] = (users.data?.results ?? [me]).map((u) => [String(u.id), displayName(u)]);
  return (
    <Modal title="Nouvelle clé d'API" onClose={onClose} wide>
      <FormShell
        onSubmit={submit}
        error={create.error}
        shownFields={['nom', 'expireLe', 'user', 'scopes']}
        busy={create.isPending}
        onCancel={onClose}
        submitLabel="Créer la clé"
      >
        <div className="grid-2">
          <Field label="Nom" errors={errors.nom} required hint="Pour la reconnaître : « Zapier », « Site web »…">
            {(p) => <input {...p} value={nom} onChange={(e) => setNom(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Expire le (facultatif)" errors={errors.expireLe}>
            {(p) => <input {...p} type="date" value={expire} onChange={(e) => setExpire(e.target.value)} />}
          </Field>
          {me.role === 'admin' && (
            <Field
              label="Agit au nom de"
              errors={errors.user}
              hint="La clé voit et peut faire ce que cet utilisateur voit et peut faire."
            >
              {(p) => (
                <OptionsSelect
                  {...p}
                  value={actingAs}
                  onChange={(e) => setActingAs(e.target.value)}
                  options={userOptions}
                />
              )}
            </Field>
          )}
        </div>
        <fieldset className="scopes">
          <legend>Portées</legend>
          {scopeErrors.length > 0 && <p className="field-error">{scopeErrors.join(' ')}</p>}
          <div className="scopes-grid">
            {(['*', ...API_KEY_FAMILIES] as const).map((family) => (
              <Field key={family} label={family === '*' ? 'Toutes les ressources' : FAMILY_LABELS[family]}>
                {(p) => (
                  <OptionsSelect
                    {...p}
                    value={scopes[family]}
                    onChange={(e) => setScopes((s) => ({ ...s, [family]: e.target.value as ScopeChoice }))}
                    options={ACCESS_OPTIONS}
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
      </FormShell>
    </Modal>
  );
}

/** The secret, shown once: copy it now, it cannot be read again. */
export function SecretDialog({
  secret,
  nom,
  onClose,
  title = 'Clé créée',
}: {
  secret: string;
  nom: string;
  onClose: () => void;
  title?: string;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).catch(() => {});
    setCopied(true);
  };
  return (
    <Modal title={title} onClose={onClose} wide>
      <div className="modal-body">
        <p>
          Copiez le secret de « {nom} » maintenant : <strong>il ne sera plus jamais affiché</strong>.
        </p>
        <label className="sr-only" htmlFor="secret-value">
          Secret
        </label>
        <input id="secret-value" className="secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
        <p role="status" className="muted small">
          {copied ? 'Copié dans le presse-papiers.' : ''}
        </p>
      </div>
      <div className="modal-actions">
        <button type="button" className="btn btn--ghost" onClick={copy}>
          Copier
        </button>
        <button type="button" className="btn btn--primary" onClick={onClose}>
          J'ai copié le secret
        </button>
      </div>
    </Modal>
  );
}
