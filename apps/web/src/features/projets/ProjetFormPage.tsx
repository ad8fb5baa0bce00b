import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { LABELS, type ProjetStatut } from '@crm/shared';
import { useAfterSave } from '../../lib/useAfterSave';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { parseDecimal } from '../../lib/format';
import { orNull, str } from '../../lib/useForm';
import { usePageForm } from '../../lib/usePageForm';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { PageHeader } from '../../components/PageHeader';
import { EditOrCreate } from '../../components/EditOrCreate';
import { OptionsSelect } from '../../components/OptionsSelect';
import { labelOptions } from '../../components/ListToolbar';
import { RecordPicker } from '../../components/pickers/RecordPicker';

type Projet = RouterOutputs['projets']['get'];
const SHOWN = ['titre', 'description', 'statut', 'dateDebut', 'dateFin', 'budget', 'client'];

export function ProjetFormPage() {
  const { id } = useParams();
  const trpc = useTRPC();
  const projet = useQuery({ ...trpc.projets.get.queryOptions({ id: Number(id) }), enabled: !!id });
  return (
    <EditOrCreate id={id} query={projet}>
      {(d) => <ProjetForm key={d?.id} projet={d} />}
    </EditOrCreate>
  );
}

function ProjetForm({ projet }: { projet?: Projet }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [localErrors, setLocalErrors] = useState<Record<string, string[]>>({});
  const { values, bind, set, markSaved, status } = usePageForm({
    titre: str(projet?.titre),
    description: str(projet?.description),
    statut: projet?.statut ?? 'a_faire',
    dateDebut: str(projet?.dateDebut),
    dateFin: str(projet?.dateFin),
    budget: projet?.budget == null ? '' : String(projet.budget).replace('.', ','),
    client: str(projet?.client ?? params.get('client')),
  });
  const done = useAfterSave({
    onSaved: markSaved,
    invalidate: [trpc.projets.pathKey(), trpc.clients.pathKey(), trpc.dashboard.pathKey()],
    message: projet ? 'Projet enregistré.' : 'Projet créé.',
    to: (saved) => `/projets/${saved.id}`,
  });
  const create = useMutation(trpc.projets.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.projets.update.mutationOptions({ onSuccess: done }));
  const mutation = projet ? update : create;
  const errors = { ...fieldErrorsOf(mutation.error), ...localErrors };

  const submit = () => {
    const budget = parseDecimal(values.budget);
    if (Number.isNaN(budget)) return setLocalErrors({ budget: ['Montant invalide.'] });
    setLocalErrors({});
    const data = {
      titre: values.titre,
      description: values.description,
      statut: values.statut as ProjetStatut,
      dateDebut: orNull(values.dateDebut),
      dateFin: orNull(values.dateFin),
      budget,
      devisAssocie: projet?.devisAssocie ?? null,
      client: Number(values.client) || 0,
    };
    if (projet) update.mutate({ id: projet.id, ...data });
    else create.mutate(data);
  };

  return (
    <>
      <PageHeader title={projet ? `Modifier ${projet.titre}` : 'Nouveau projet'} />
      {status}
      <FormShell
        onSubmit={submit}
        error={mutation.error}
        shownFields={SHOWN}
        busy={mutation.isPending}
        onCancel={() => navigate(-1)}
      >
        <div className="grid-2">
          <Field label="Titre" errors={errors.titre} required>
            {(p) => <input {...p} {...bind('titre')} maxLength={200} />}
          </Field>
          <Field label="Client" errors={errors.client} required>
            {(p) => (
              <RecordPicker
                {...p}
                kind="client"
                value={values.client}
                onChange={(v) => set('client', v)}
                knownLabel={projet?.clientNom}
                emptyLabel="— Choisir un client —"
              />
            )}
          </Field>
          <Field label="Statut" errors={errors.statut}>
            {(p) => <OptionsSelect {...p} {...bind('statut')} options={labelOptions(LABELS.projetStatut)} />}
          </Field>
          <Field label="Budget (€ HT)" errors={errors.budget}>
            {(p) => <input {...p} {...bind('budget')} inputMode="decimal" placeholder="0,00" />}
          </Field>
          <Field label="Date de début" errors={errors.dateDebut}>
            {(p) => <input {...p} {...bind('dateDebut')} type="date" />}
          </Field>
          <Field label="Date de fin" errors={errors.dateFin}>
            {(p) => <input {...p} {...bind('dateFin')} type="date" />}
          </Field>
        </div>
        <Field label="Description" errors={errors.description}>
          {(p) => <textarea {...p} {...bind('description')} rows={4} />}
        </Field>
      </FormShell>
    </>
  );
}
