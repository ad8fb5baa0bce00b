import type { InputHTMLAttributes } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router-dom';
import { useAfterSave } from '../../lib/useAfterSave';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { idOrNull, str } from '../../lib/useForm';
import { usePageForm } from '../../lib/usePageForm';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { PageHeader } from '../../components/PageHeader';
import { EditOrCreate } from '../../components/EditOrCreate';
import { RecordPicker } from '../../components/pickers/RecordPicker';

type Client = RouterOutputs['clients']['get'];

export function ClientFormPage() {
  const { id } = useParams();
  const trpc = useTRPC();
  const client = useQuery({ ...trpc.clients.get.queryOptions({ id: Number(id) }), enabled: !!id });
  return (
    <EditOrCreate id={id} query={client}>
      {(d) => <ClientForm key={d?.id} client={d} />}
    </EditOrCreate>
  );
}

interface TextInput<N extends string> {
  name: N;
  label: string;
  required?: boolean;
  hint?: string;
  attrs?: InputHTMLAttributes<HTMLInputElement>;
}
const textInputs = <const N extends keyof Client & string>(inputs: readonly TextInput<N>[]) => inputs;

/**
 * The form's text inputs, in order: each line gives its initial value, its input and its errors,
 * and its value is sent as typed (email: '' → null). A new text field of Client is one line here.
 */
const TEXT_INPUTS = textInputs([
  { name: 'nom', label: 'Nom', required: true, attrs: { maxLength: 200 } },
  { name: 'societe', label: 'Société' },
  { name: 'email', label: 'E-mail', attrs: { type: 'email', autoComplete: 'off' } },
  { name: 'telephone', label: 'Téléphone', hint: 'ex. 01 23 45 67 89', attrs: { type: 'tel' } },
  { name: 'categorie', label: 'Catégorie', attrs: { maxLength: 50 } },
]);
type TextName = (typeof TEXT_INPUTS)[number]['name'];

const SHOWN = [...TEXT_INPUTS.map((f) => f.name), 'responsable', 'notes'];

const textValues = (client: Client | undefined) =>
  Object.fromEntries(TEXT_INPUTS.map((f) => [f.name, str(client?.[f.name])])) as Record<TextName, string>;

function ClientForm({ client }: { client?: Client }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const { values, bind, set, markSaved, status } = usePageForm({
    ...textValues(client),
    responsable: str(client?.responsable),
    notes: str(client?.notes),
  });
  const done = useAfterSave({
    onSaved: markSaved,
    invalidate: [trpc.clients.pathKey(), trpc.dashboard.pathKey()],
    message: client ? 'Client enregistré.' : 'Client créé.',
    to: (saved) => `/clients/${saved.id}`,
  });
  const create = useMutation(trpc.clients.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.clients.update.mutationOptions({ onSuccess: done }));
  const mutation = client ? update : create;
  const errors = fieldErrorsOf(mutation.error);

  const submit = () => {
    const { email, responsable, ...rest } = values;
    const data = {
      ...rest,
      email: email.trim() || null,
      ...(responsable ? { responsable: idOrNull(responsable) } : client ? { responsable: null } : {}),
    };
    if (client) update.mutate({ id: client.id, ...data });
    else create.mutate(data);
  };

  return (
    <>
      <PageHeader title={client ? `Modifier ${client.nom}` : 'Nouveau client'} />
      {status}
      <FormShell
        onSubmit={submit}
        error={mutation.error}
        shownFields={SHOWN}
        busy={mutation.isPending}
        onCancel={() => navigate(-1)}
      >
        <div className="grid-2">
          {TEXT_INPUTS.map((f) => (
            <Field key={f.name} label={f.label} errors={errors[f.name]} required={f.required} hint={f.hint}>
              {(p) => <input {...p} {...bind(f.name)} {...f.attrs} />}
            </Field>
          ))}
          <Field label="Responsable" errors={errors.responsable}>
            {(p) => (
              <RecordPicker
                {...p}
                kind="user"
                value={values.responsable}
                onChange={(v) => set('responsable', v)}
                knownLabel={client?.responsableNom}
                emptyLabel={client ? '— Aucun —' : 'Moi (par défaut)'}
              />
            )}
          </Field>
        </div>
        <Field label="Notes" errors={errors.notes}>
          {(p) => <textarea {...p} {...bind('notes')} rows={4} />}
        </Field>
      </FormShell>
    </>
  );
}
