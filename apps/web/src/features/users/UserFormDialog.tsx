import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LABELS, ROLES, type Role } from '@crm/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { str, useFormValues } from '../../lib/useForm';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { Modal } from '../../components/Modal';
import { OptionsSelect } from '../../components/OptionsSelect';
import { useNotify } from '../../components/Notifications';

type User = RouterOutputs['users']['list']['results'][number];
const ROLE_OPTIONS = ROLES.map((r) => [r, LABELS.role[r]] as [string, string]);
const SHOWN = ['username', 'email', 'firstName', 'lastName', 'role', 'departement', 'telephone', 'password'];

export function UserFormDialog({ user, onClose }: { user?: User; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const { values, bind } = useFormValues({
    username: str(user?.username),
    email: str(user?.email),
    firstName: str(user?.firstName),
    lastName: str(user?.lastName),
    role: user?.role ?? 'commercial',
    departement: str(user?.departement),
    telephone: str(user?.telephone),
    password: '',
  });
  const done = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
    notify(user ? 'Utilisateur enregistré.' : 'Utilisateur créé.');
    onClose();
  };
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: done }));
  const patch = useMutation(trpc.users.patch.mutationOptions({ onSuccess: done }));
  const mutation = user ? patch : create;
  const errors = fieldErrorsOf(mutation.error);
  const submit = () => {
    const { password, ...rest } = values;
    const data = { ...rest, role: values.role as Role };
    if (user) patch.mutate({ id: user.id, ...data, ...(password ? { password } : {}) });
    else create.mutate({ ...data, password });
  };
  return (
    <Modal title={user ? `Modifier ${user.username}` : 'Nouvel utilisateur'} onClose={onClose} wide>
      <FormShell
        onSubmit={submit}
        error={mutation.error}
        shownFields={SHOWN}
        busy={mutation.isPending}
        onCancel={onClose}
      >
        <div className="grid-2">
          <Field label="Prénom" errors={errors.firstName}>
            {(p) => <input {...p} {...bind('firstName')} />}
          </Field>
          <Field label="Nom" errors={errors.lastName}>
            {(p) => <input {...p} {...bind('lastName')} />}
          </Field>
          <Field label="Nom d'utilisateur" errors={errors.username} required>
            {(p) => <input {...p} {...bind('username')} autoComplete="off" />}
          </Field>
          <Field label="E-mail" errors={errors.email}>
            {(p) => <input {...p} {...bind('email')} type="email" autoComplete="off" />}
          </Field>
          <Field label="Rôle" errors={errors.role}>
            {(p) => <OptionsSelect {...p} {...bind('role')} options={ROLE_OPTIONS} />}
          </Field>
          <Field label="Département" errors={errors.departement}>
            {(p) => <input {...p} {...bind('departement')} />}
          </Field>
          <Field label="Téléphone" errors={errors.telephone}>
            {(p) => <input {...p} {...bind('telephone')} type="tel" />}
          </Field>
          <Field
            label={user ? 'Nouveau mot de passe (facultatif)' : 'Mot de passe'}
            errors={errors.password}
            required={!user}
            hint="Au moins 10 caractères."
          >
            {(p) => <input {...p} {...bind('password')} type="password" autoComplete="new-password" />}
          </Field>
        </div>
      </FormShell>
    </Modal>
  );
}
