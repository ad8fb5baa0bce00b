import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { DEFAULT_TVA, LABELS } from '@crm/shared/labels';
import type { DevisLigneIn, DevisStatut } from '@crm/shared';
import { useAfterSave } from '../../lib/useAfterSave';
import { useTRPC } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { formatCents, formatDateTime, parseDecimal } from '../../lib/format';
import { str } from '../../lib/useForm';
import { Field } from '../../components/Field';
import { FormShell } from '../../components/FormShell';
import { useUnsavedChanges } from '../../components/UnsavedChanges';
import { PageHeader } from '../../components/PageHeader';
import { EditOrCreate } from '../../components/EditOrCreate';
import { OptionsSelect } from '../../components/OptionsSelect';
import { labelOptions } from '../../components/ListToolbar';
import { DevisStatutBadge } from '../../components/badges';
import { LignesEditor } from './LignesEditor';
import { DevisActions } from './DevisActions';
import { draftOf, draftTotals, newLigne, parseLigne, type LigneDraft } from './lignes';
import type { DevisRow } from '../../components/columns/devisColumns';
import { CourrielSuivi } from '../../components/courriels/CourrielStatut';
import { EntrepriseAConfigurer } from '../../components/courriels/EntrepriseAConfigurer';
import { RecordPicker } from '../../components/pickers/RecordPicker';

export function DevisEditorPage() {
  const { id } = useParams();
  const trpc = useTRPC();
  const devis = useQuery({ ...trpc.devis.get.queryOptions({ id: Number(id) }), enabled: !!id });
  return (
    <EditOrCreate id={id} query={devis}>
      {(d) => <DevisEditor key={`${d?.id}-${d?.dateModification}`} devis={d} />}
    </EditOrCreate>
  );
}

const SHOWN = ['opportunite', 'statut', 'contenu', 'montant'];

function DevisEditor({ devis }: { devis?: DevisRow }) {
  const trpc = useTRPC();
  const [params] = useSearchParams();
  const [opportunite, setOpportunite] = useState(str(devis?.opportunite ?? params.get('opportunite')));
  const [statut, setStatut] = useState<DevisStatut>(devis?.statut ?? 'brouillon');
  const [contenu, setContenu] = useState(str(devis?.contenu));
  const [montant, setMontant] = useState(devis && !devis.lignes?.length ? String(devis.montant).replace('.', ',') : '');
  const [lignes, setLignes] = useState<LigneDraft[]>(() => (devis ? (devis.lignes ?? []).map(draftOf) : [newLigne()]));
  const [localErrors, setLocalErrors] = useState<Record<string, string[]>>({});
  const readOnly = devis?.statut === 'accepte' || devis?.statut === 'refuse';
  const snapshot = JSON.stringify({ opportunite, statut, contenu, montant, lignes });
  const [pristine] = useState(snapshot);
  const guard = useUnsavedChanges(!readOnly && snapshot !== pristine);

  const done = useAfterSave({
    onSaved: guard.disarm,
    invalidate: [trpc.devis.pathKey(), trpc.opportunites.pathKey(), trpc.dashboard.pathKey()],
    message: devis ? 'Devis enregistré.' : 'Devis créé.',
    to: (saved) => (devis ? null : `/devis/${saved.id}`),
  });
  const create = useMutation(trpc.devis.create.mutationOptions({ onSuccess: done }));
  const patch = useMutation(trpc.devis.patch.mutationOptions({ onSuccess: done }));
  const mutation = devis ? patch : create;
  const errors = { ...fieldErrorsOf(mutation.error), ...localErrors };
  const totals = draftTotals(lignes, montant);

  const submit = () => {
    const local: Record<string, string[]> = {};
    const parsed: DevisLigneIn[] = [];
    lignes.forEach((d, i) => {
      const l = parseLigne(d);
      if (l) {
        parsed.push(l);
        return;
      }
      for (const f of ['quantite', 'prixUnitaire', 'tauxTva'] as const) {
        const n = parseDecimal(d[f]);
        if (n === null || Number.isNaN(n)) local[`lignes.${i}.${f}`] = ['Nombre attendu.'];
      }
    });
    const m = parseDecimal(montant);
    if (lignes.length === 0 && Number.isNaN(m)) local.montant = ['Montant invalide.'];
    setLocalErrors(local);
    if (Object.keys(local).length) return;
    const data = {
      opportunite: Number(opportunite) || 0,
      statut,
      contenu,
      ...(lignes.length ? { lignes: parsed } : { lignes: null, ...(m == null ? {} : { montant: m }) }),
    };
    if (devis) patch.mutate({ id: devis.id, ...data });
    else create.mutate(data);
  };

  return (
    <>
      <PageHeader
        title={devis ? `Devis ${devis.numero} v${devis.version}` : 'Nouveau devis'}
        subtitle={
          devis && (
            <>
              <DevisStatutBadge value={devis.statut} />{' '}
              <Link to={`/opportunites/${devis.opportunite}`}>{devis.opportuniteNom}</Link> · {devis.clientNom}
              {devis.dateEnvoi && <> · envoyé le {formatDateTime(devis.dateEnvoi)}</>}
              {devis.dateConsultation && <> · consulté le {formatDateTime(devis.dateConsultation)}</>}
              {devis.dateReponse && (
                <>
                  {' '}
                  · {devis.statut === 'accepte' ? 'accepté' : 'répondu'} le {formatDateTime(devis.dateReponse)}
                  {devis.signataire && <> par {devis.signataire}</>}
                </>
              )}
            </>
          )
        }
        actions={devis && <DevisActions devis={devis} />}
      />
      {devis && <CourrielSuivi courriel={devis.courriel} />}
      <EntrepriseAConfigurer />
      {guard.dialog}
      {readOnly && (
        <div className="alert alert--info" role="status">
          Ce devis est {LABELS.devisStatut[devis!.statut].toLowerCase()} : il ne peut plus être modifié. Créez une
          nouvelle version pour le retravailler.
        </div>
      )}
      <FormShell
        onSubmit={submit}
        error={mutation.error}
        shownFields={SHOWN}
        busy={mutation.isPending}
        submitLabel={devis ? 'Enregistrer' : 'Créer le devis'}
        wide
        readOnly={readOnly}
      >
        <fieldset disabled={readOnly} className="plain">
          <div className="grid-2">
            <Field label="Opportunité" errors={errors.opportunite} required>
              {(p) => (
                <RecordPicker
                  {...p}
                  kind="opportunite"
                  value={opportunite}
                  disabled={!!devis}
                  onChange={setOpportunite}
                  knownLabel={devis?.opportuniteNom}
                  emptyLabel="— Choisir une opportunité —"
                />
              )}
            </Field>
            <Field label="Statut" errors={errors.statut}>
              {(p) => (
                <OptionsSelect
                  {...p}
                  value={statut}
                  onChange={(e) => setStatut(e.target.value as DevisStatut)}
                  options={labelOptions(LABELS.devisStatut)}
                />
              )}
            </Field>
          </div>
          <h2 className="section-title">Lignes</h2>
          <LignesEditor lignes={lignes} onChange={setLignes} errors={errors} readOnly={readOnly} />
          {lignes.length === 0 && (
            <Field
              label="Montant HT (€), sans lignes"
              errors={errors.montant}
              hint={`TVA à ${DEFAULT_TVA} %.`}
              required
            >
              {(p) => <input {...p} value={montant} inputMode="decimal" onChange={(e) => setMontant(e.target.value)} />}
            </Field>
          )}
          <dl className="totals" aria-live="polite" aria-label="Totaux du devis">
            <div>
              <dt>Total HT</dt>
              <dd data-testid="total-ht">{formatCents(totals.htCents)}</dd>
            </div>
            <div>
              <dt>TVA</dt>
              <dd data-testid="total-tva">{formatCents(totals.tvaCents)}</dd>
            </div>
            <div className="totals-ttc">
              <dt>Total TTC</dt>
              <dd data-testid="total-ttc">{formatCents(totals.ttcCents)}</dd>
            </div>
          </dl>
          <Field label="Contenu / conditions" errors={errors.contenu}>
            {(p) => <textarea {...p} rows={4} value={contenu} onChange={(e) => setContenu(e.target.value)} />}
          </Field>
        </fieldset>
      </FormShell>
    </>
  );
}
