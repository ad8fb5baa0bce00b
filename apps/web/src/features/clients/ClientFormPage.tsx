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

const SHOWN = ['nom', 'societe', 'email', 'telephone', 'categorie', 'responsable', 'notes'];

function ClientForm({ client }: { client?: Client }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const { values, bind, set, markSaved, status } = usePageForm({
    nom: str(client?.nom),
    societe: str(client?.societe),
    email: str(client?.email),
    telephone: str(client?.telephone),
    categorie: str(client?.categorie),
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
    const data = {
      nom: values.nom,
      societe: values.societe,
      email: values.email.trim() || null,
      telephone: values.telephone,
      categorie: values.categorie,
      notes: values.notes,
      ...(values.responsable ? { responsable: idOrNull(values.responsable) } : client ? { responsable: null } : {}),
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
          <Field label="Nom" errors={errors.nom} required>
            {(p) => <input {...p} {...bind('nom')} maxLength={200} />}
          </Field>
          <Field label="Société" errors={errors.societe}>
            {(p) => <input {...p} {...bind('societe')} />}
          </Field>
          <Field label="E-mail" errors={errors.email}>
            {(p) => <input {...p} {...bind('email')} type="email" autoComplete="off" />}
          </Field>
          <Field label="Téléphone" errors={errors.telephone} hint="ex. 01 23 45 67 89">
            {(p) => <input {...p} {...bind('telephone')} type="tel" />}
          </Field>
          <Field label="Catégorie" errors={errors.categorie}>
            {(p) => <input {...p} {...bind('categorie')} maxLength={50} />}
          </Field>
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
