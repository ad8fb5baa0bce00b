import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { LABELS, type TachePriorite, type TacheStatut } from '@crm/shared';
import { useAfterSave } from '../../lib/useAfterSave';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { idOrNull, str } from '../../lib/useForm';
import { usePageForm } from '../../lib/usePageForm';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { PageHeader } from '../../components/PageHeader';
import { EditOrCreate } from '../../components/EditOrCreate';
import { OptionsSelect } from '../../components/OptionsSelect';
import { labelOptions } from '../../components/ListToolbar';
import { DeleteButton } from '../../components/DeleteButton';
import { RetardBadge } from '../../components/badges';
import { TerminerButton } from '../../components/TerminerButton';
import { RecordPicker } from '../../components/pickers/RecordPicker';

type Tache = RouterOutputs['taches']['get'];
const SHOWN = ['titre', 'description', 'assigneA', 'client', 'projet', 'priorite', 'dateEcheance', 'statut'];

/** Create (/taches/nouvelle) or view/edit (/taches/:id) a task. */
export function TacheFormPage() {
  const { id } = useParams();
  const trpc = useTRPC();
  const tache = useQuery({ ...trpc.taches.get.queryOptions({ id: Number(id) }), enabled: !!id });
  return (
    <EditOrCreate id={id} query={tache}>
      {(d) => <TacheForm key={`${d?.id}-${d?.dateModification}`} tache={d} />}
    </EditOrCreate>
  );
}

function TacheForm({ tache }: { tache?: Tache }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { values, bind, set, markSaved, status } = usePageForm({
    titre: str(tache?.titre),
    description: str(tache?.description),
    assigneA: str(tache?.assigneA),
    client: str(tache?.client ?? params.get('client')),
    projet: str(tache?.projet ?? params.get('projet')),
    priorite: tache?.priorite ?? 'moyenne',
    dateEcheance: str(tache?.dateEcheance),
    statut: tache?.statut ?? 'a_faire',
  });
  const done = useAfterSave({
    onSaved: markSaved,
    invalidate: [trpc.taches.pathKey(), trpc.dashboard.pathKey()],
    message: tache ? 'Tâche enregistrée.' : 'Tâche créée.',
    to: (saved) => (tache ? '/taches' : `/taches/${saved.id}`),
  });
  const create = useMutation(trpc.taches.create.mutationOptions({ onSuccess: done }));
  const patch = useMutation(trpc.taches.patch.mutationOptions({ onSuccess: done }));
  const mutation = tache ? patch : create;
  const errors = fieldErrorsOf(mutation.error);

  const submit = () => {
    const data = {
      titre: values.titre,
      description: values.description,
      assigneA: idOrNull(values.assigneA),
      client: idOrNull(values.client),
      projet: idOrNull(values.projet),
      priorite: values.priorite as TachePriorite,
      dateEcheance: values.dateEcheance,
      statut: values.statut as TacheStatut,
    };
    if (tache) patch.mutate({ id: tache.id, ...data });
    else create.mutate(data);
  };

  return (
    <>
      <PageHeader
        title={tache ? tache.titre : 'Nouvelle tâche'}
        subtitle={
          tache &&
          (tache.dateTerminee ? (
            `Terminée le ${formatDateTime(tache.dateTerminee)}`
          ) : (
            <RetardBadge late={tache.enRetard} />
          ))
        }
        actions={
          tache && (
            <>
              {tache.statut !== 'terminee' && <TerminerButton id={tache.id} titre={tache.titre} />}
              <DeleteButton
                what={`la tâche ${tache.titre}`}
                onDelete={() => client.taches.delete.mutate({ id: tache.id })}
                onDone={() => {
                  void queryClient.invalidateQueries({ queryKey: trpc.taches.pathKey() });
                  markSaved();
                  navigate('/taches');
                }}
              />
            </>
          )
        }
      />
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
          <Field label="Échéance" errors={errors.dateEcheance} required>
            {(p) => <input {...p} {...bind('dateEcheance')} type="date" />}
          </Field>
          <Field label="Priorité" errors={errors.priorite} required>
            {(p) => <OptionsSelect {...p} {...bind('priorite')} options={labelOptions(LABELS.tachePriorite)} />}
          </Field>
          <Field label="Statut" errors={errors.statut}>
            {(p) => <OptionsSelect {...p} {...bind('statut')} options={labelOptions(LABELS.tacheStatut)} />}
          </Field>
          <Field label="Assignée à" errors={errors.assigneA}>
            {(p) => (
              <RecordPicker
                {...p}
                kind="user"
                value={values.assigneA}
                onChange={(v) => set('assigneA', v)}
                knownLabel={tache?.assigneANom}
                emptyLabel="— Personne —"
              />
            )}
          </Field>
          <Field label="Client" errors={errors.client}>
            {(p) => (
              <RecordPicker
                {...p}
                kind="client"
                value={values.client}
                onChange={(v) => {
                  set('client', v);
                  if (v !== values.client) set('projet', '');
                }}
                knownLabel={values.client === str(tache?.client) ? tache?.clientNom : undefined}
                emptyLabel="— Aucun —"
              />
            )}
          </Field>
          <Field label="Projet" errors={errors.projet}>
            {(p) => (
              <RecordPicker
                {...p}
                kind="projet"
                value={values.projet}
                onChange={(v) => set('projet', v)}
                scope={{ client: Number(values.client) || undefined }}
                knownLabel={values.projet === str(tache?.projet) ? tache?.projetTitre : undefined}
                emptyLabel="— Aucun —"
              />
            )}
          </Field>
        </div>
        <Field label="Description" errors={errors.description}>
          {(p) => <textarea {...p} {...bind('description')} rows={4} />}
        </Field>
      </FormShell>
    </>
  );
}
