import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { Field } from '../../components/Field';
import { ErrorAlert } from '../../components/Status';
import { PageHeader } from '../../components/PageHeader';

export function ChangePasswordPage() {
  const trpc = useTRPC();
  const [oldPassword, setOld] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setOld('');
        setNew('');
        setConfirm('');
      },
    }),
  );
  const errors = fieldErrorsOf(change.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const differs = newPassword !== confirm;
    setMismatch(differs);
    if (!differs) change.mutate({ oldPassword, newPassword });
  };
  return (
    <>
      <PageHeader title="Mot de passe" subtitle="Vos autres sessions seront déconnectées." />
      <form className="card form narrow" onSubmit={submit} noValidate>
        {change.isSuccess && (
          <div className="alert alert--success" role="status">
            Mot de passe modifié.
          </div>
        )}
        <ErrorAlert error={change.error} />
        <Field label="Mot de passe actuel" errors={errors.oldPassword} required>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={oldPassword}
              onChange={(e) => setOld(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Nouveau mot de passe"
          errors={errors.newPassword}
          hint="Au moins 10 caractères, pas uniquement des chiffres."
          required
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={newPassword}
              onChange={(e) => setNew(e.target.value)}
            />
          )}
        </Field>
        <Field label="Confirmation" errors={mismatch ? ['Les deux mots de passe diffèrent.'] : undefined} required>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn--primary" disabled={change.isPending}>
            {change.isPending ? 'Enregistrement…' : 'Changer le mot de passe'}
          </button>
        </div>
      </form>
    </>
  );
}
