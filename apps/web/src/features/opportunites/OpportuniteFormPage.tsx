import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { LABELS, type Etape, type Resultat } from '@crm/shared';
import { useAfterSave } from '../../lib/useAfterSave';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { parseDecimal } from '../../lib/format';
import { idOrNull, orNull, str } from '../../lib/useForm';
import { usePageForm } from '../../lib/usePageForm';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { PageHeader } from '../../components/PageHeader';
import { EditOrCreate } from '../../components/EditOrCreate';
import { OptionsSelect } from '../../components/OptionsSelect';
import { labelOptions } from '../../components/ListToolbar';
import { RecordPicker } from '../../components/pickers/RecordPicker';

type Opportunite = RouterOutputs['opportunites']['get'];
const SHOWN = [
  'nom',
  'client',
  'responsable',
  'montant',
  'probabilite',
  'etape',
  'resultat',
  'motifPerte',
  'dateConclusionEstimee',
  'notes',
];

export function OpportuniteFormPage() {
  const { id } = useParams();
  const trpc = useTRPC();
  const opp = useQuery({ ...trpc.opportunites.get.queryOptions({ id: Number(id) }), enabled: !!id });
  return (
    <EditOrCreate id={id} query={opp}>
      {(d) => <OpportuniteForm key={d?.id} opp={d} />}
    </EditOrCreate>
  );
}

function OpportuniteForm({ opp }: { opp?: Opportunite }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [localErrors, setLocalErrors] = useState<Record<string, string[]>>({});
  const { values, bind, set, markSaved, status } = usePageForm({
    nom: str(opp?.nom),
    client: str(opp?.client ?? params.get('client')),
    responsable: str(opp?.responsable),
    montant: opp ? String(opp.montant).replace('.', ',') : '',
    probabilite: str(opp?.probabilite ?? 10),
    etape: opp?.etape ?? 'prospect',
    resultat: str(opp?.resultat),
    motifPerte: str(opp?.motifPerte),
    dateConclusionEstimee: str(opp?.dateConclusionEstimee),
    notes: str(opp?.notes),
  });
  const done = useAfterSave({
    onSaved: markSaved,
    invalidate: [trpc.opportunites.pathKey(), trpc.clients.get.pathKey(), trpc.dashboard.pathKey()],
    message: opp ? 'Opportunité enregistrée.' : 'Opportunité créée.',
    to: (saved) => `/opportunites/${saved.id}`,
  });
  const create = useMutation(trpc.opportunites.create.mutationOptions({ onSuccess: done }));
  const patch = useMutation(trpc.opportunites.patch.mutationOptions({ onSuccess: done }));
  const mutation = opp ? patch : create;
  const errors = { ...fieldErrorsOf(mutation.error), ...localErrors };

  const submit = () => {
    const montant = parseDecimal(values.montant);
    const probabilite = Number(values.probabilite);
    const local: Record<string, string[]> = {};
    if (Number.isNaN(montant)) local.montant = ['Montant invalide.'];
    if (values.probabilite.trim() === '' || !Number.isFinite(probabilite))
      local.probabilite = ['Nombre entier attendu.'];
    setLocalErrors(local);
    if (Object.keys(local).length) return;
    const etape = values.etape as Etape;
    const data = {
      nom: values.nom,
      client: Number(values.client) || 0,
      responsable: idOrNull(values.responsable),
      montant: montant ?? 0,
      probabilite,
      etape,
      resultat: etape === 'conclusion' ? ((values.resultat || null) as Resultat | null) : null,
      motifPerte: values.resultat === 'perdue' ? values.motifPerte : '',
      dateConclusionEstimee: orNull(values.dateConclusionEstimee),
      notes: values.notes,
    };
    if (opp) patch.mutate({ id: opp.id, ...data });
    else create.mutate({ ...data, ...(data.responsable === null ? { responsable: undefined } : {}) });
  };

  return (
    <>
      <PageHeader title={opp ? `Modifier ${opp.nom}` : 'Nouvelle opportunité'} />
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
          <Field label="Client" errors={errors.client} required>
            {(p) => (
              <RecordPicker
                {...p}
                kind="client"
                value={values.client}
                onChange={(v) => set('client', v)}
                knownLabel={opp?.clientNom}
                emptyLabel="— Choisir un client —"
              />
            )}
          </Field>
          <Field label="Montant (€ HT)" errors={errors.montant}>
            {(p) => <input {...p} {...bind('montant')} inputMode="decimal" placeholder="0,00" />}
          </Field>
          <Field label="Probabilité (%)" errors={errors.probabilite}>
            {(p) => <input {...p} {...bind('probabilite')} type="number" min={0} max={100} step={5} />}
          </Field>
          <Field label="Étape" errors={errors.etape}>
            {(p) => <OptionsSelect {...p} {...bind('etape')} options={labelOptions(LABELS.etape)} />}
          </Field>
          {values.etape === 'conclusion' && (
            <Field label="Résultat" errors={errors.resultat} required>
              {(p) => (
                <OptionsSelect
                  {...p}
                  {...bind('resultat')}
                  options={labelOptions(LABELS.resultat)}
                  empty="— Choisir —"
                />
              )}
            </Field>
          )}
          {values.etape === 'conclusion' && values.resultat === 'perdue' && (
            <Field label="Motif de la perte" errors={errors.motifPerte}>
              {(p) => <input {...p} {...bind('motifPerte')} />}
            </Field>
          )}
          <Field label="Conclusion estimée" errors={errors.dateConclusionEstimee}>
            {(p) => <input {...p} {...bind('dateConclusionEstimee')} type="date" />}
          </Field>
          <Field label="Responsable" errors={errors.responsable}>
            {(p) => (
              <RecordPicker
                {...p}
                kind="user"
                value={values.responsable}
                onChange={(v) => set('responsable', v)}
                knownLabel={opp?.responsableNom}
                emptyLabel={opp ? '— Aucun —' : 'Moi (par défaut)'}
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
