import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import {
  IMPORT_LABELS,
  IMPORT_MODES,
  IMPORT_POLITIQUES,
  IMPORT_RESSOURCES,
  type ImportMode,
  type ImportPolitique,
  type ImportRessource,
} from '@crm/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { apiFetch, withCsrf } from '../../lib/http';
import { errorMessage, fieldErrorsOf } from '../../lib/errors';
import { PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { RecentImports } from './RecentImports';
import { RejetsButton } from './RejetsButton';
import './imports.css';

type Import = RouterOutputs['imports']['get'];

const LIST_PATH: Record<ImportRessource, string> = {
  clients: '/clients',
  opportunites: '/opportunites',
  taches: '/taches',
};
const isRessource = (v: string | null): v is ImportRessource =>
  !!v && (IMPORT_RESSOURCES as readonly string[]).includes(v);

/**
 * « Importer » step 1 (`/imports/nouveau?ressource=clients`): choose the file; the server decodes
 * and stores it and proposes a mapping (its rows are analysed in the background), then the
 * import's page opens. A refused file keeps the form as it was, with the server's reason under the
 * file field. Below, the recent imports with their state and their reports of rejected rows.
 */
export function ImportUploadPage() {
  const [params, setParams] = useSearchParams();
  const listPage = Math.max(1, Number(params.get('page')) || 1);
  const navigate = useNavigate();
  const initial = params.get('ressource');
  const [ressource, setRessource] = useState<ImportRessource>(isRessource(initial) ? initial : 'clients');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<{ message: string; fieldErrors: Record<string, string[]> } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) {
      setErrors({ message: '', fieldErrors: { fichier: ['Choisissez un fichier CSV ou Excel (XLSX).'] } });
      return;
    }
    setBusy(true);
    setErrors(null);
    try {
      const body = new FormData();
      body.append('ressource', ressource);
      body.append('fichier', file);
      const res = await apiFetch('/api/imports/', withCsrf({ method: 'POST', body }));
      const json = (await res.json().catch(() => null)) as {
        id?: number;
        message?: string;
        fieldErrors?: Record<string, string[]>;
      } | null;
      if (!res.ok || !json?.id) {
        setErrors({
          message: json?.message ?? `Envoi impossible (${res.status}).`,
          fieldErrors: json?.fieldErrors ?? {},
        });
        return;
      }
      navigate(`/imports/${json.id}`);
    } catch (err) {
      setErrors({ message: errorMessage(err) || 'Envoi impossible.', fieldErrors: {} });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader
        title={`Importer des ${IMPORT_LABELS.ressource[ressource].toLowerCase()}`}
        subtitle="Fichier CSV (tout séparateur, UTF-8 ou Windows-1252) ou Excel (XLSX), 20 Mo au plus"
      />
      <form className="card form" onSubmit={submit} noValidate aria-busy={busy}>
        {errors?.message && (
          <div className="alert alert--error" role="alert">
            {errors.message}
          </div>
        )}
        <Field label="Que contient le fichier ?" errors={errors?.fieldErrors.ressource}>
          {(p) => (
            <select {...p} value={ressource} onChange={(e) => setRessource(e.target.value as ImportRessource)}>
              {IMPORT_RESSOURCES.map((r) => (
                <option key={r} value={r}>
                  {IMPORT_LABELS.ressource[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Fichier"
          required
          errors={errors?.fieldErrors.fichier}
          hint="La première ligne donne les noms des colonnes (français ou anglais). Dates JJ/MM/AAAA, virgule décimale acceptées. Rien n’est importé avant votre validation."
        >
          {(p) => (
            <input
              {...p}
              type="file"
              accept=".csv,.txt,.tsv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          )}
        </Field>
        <div className="form-actions">
          <Link className="btn btn--ghost" to={LIST_PATH[ressource]}>
            Annuler
          </Link>
          <button className="btn btn--primary" type="submit" disabled={busy}>
            {busy ? 'Envoi du fichier…' : 'Analyser le fichier'}
          </button>
        </div>
      </form>
      <RecentImports
        page={listPage}
        onPage={(p) =>
          setParams(
            (prev) => {
              const next = new URLSearchParams(prev);
              if (p > 1) next.set('page', String(p));
              else next.delete('page');
              return next;
            },
            { replace: true },
          )
        }
      />
    </>
  );
}

const FINAL = new Set(['termine', 'echoue']);

/** Before the import is started: the mapping can be changed (`analyse`: its rows are being checked). */
const PREPARATION = new Set(['analyse', 'pret']);

/** `/imports/:id`: mapping, preview with errors, duplicates, options, then progress and summary. */
export function ImportPage() {
  const id = Number(useParams().id);
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.imports.get.queryOptions({ id }),
    // Follow the background jobs until they are done: the analysis (preview), then the import (progress bar).
    refetchInterval: (q) =>
      q.state.data && !FINAL.has(q.state.data.statut) && q.state.data.statut !== 'pret' ? 1000 : false,
  });
  if (query.isPending) return <p className="loading">Chargement de l’import…</p>;
  if (query.isError) {
    return (
      <div className="alert alert--error" role="alert">
        {errorMessage(query.error) || 'Import introuvable.'}
      </div>
    );
  }
  const imp = query.data;
  return (
    <>
      <PageHeader
        title={`Import de ${IMPORT_LABELS.ressource[imp.ressource].toLowerCase()}`}
        subtitle={`${imp.nomFichier || 'Fichier'} · ${imp.format.toUpperCase()}${imp.encodage ? ` · ${imp.encodage}` : ''}${imp.separateur ? ` · séparateur « ${imp.separateur === '\t' ? 'tabulation' : imp.separateur} »` : ''} · ${imp.analyse.lignes} ligne(s)`}
        actions={
          <Link className="btn btn--ghost" to={LIST_PATH[imp.ressource]}>
            Retour à la liste
          </Link>
        }
      />
      {PREPARATION.has(imp.statut) ? <Preparation imp={imp} /> : <Suivi imp={imp} />}
    </>
  );
}

function Preparation({ imp }: { imp: Import }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [mapping, setMapping] = useState<(string | null)[]>(() => imp.colonnes.map((c) => c.champ));
  const [doublons, setDoublons] = useState<ImportPolitique>(imp.doublons);
  const [mode, setMode] = useState<ImportMode>(imp.mode);
  const key = trpc.imports.get.queryKey({ id: imp.id });
  const patch = useMutation(trpc.imports.patch.mutationOptions({ onSuccess: (data) => qc.setQueryData(key, data) }));
  const valider = useMutation(
    trpc.imports.valider.mutationOptions({ onSuccess: (data) => qc.setQueryData(key, data) }),
  );
  const libelle = new Map(imp.champs.map((c) => [c.code, c.libelle]));
  const analysing = imp.statut === 'analyse' || patch.isPending;

  function choose(index: number, champ: string | null) {
    // The user's choice stays on screen whatever the server says about it.
    const next = mapping.map((m, i) => (i === index ? champ : m === champ && champ !== null ? null : m));
    setMapping(next);
    patch.mutate({ id: imp.id, mapping: next });
  }

  const mappingErrors = patch.error ? Object.values(fieldErrorsOf(patch.error)).flat() : [];
  const validerErrors = valider.error
    ? [errorMessage(valider.error), ...Object.values(fieldErrorsOf(valider.error)).flat()].filter(Boolean)
    : [];

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        valider.mutate({ id: imp.id, mapping, doublons, mode });
      }}
    >
      <section className="card" aria-labelledby="import-mapping">
        <div className="card-header">
          <h2 id="import-mapping">Correspondance des colonnes</h2>
          {patch.isPending && (
            <span className="muted" role="status">
              Nouvelle analyse…
            </span>
          )}
        </div>
        <p className="muted">
          Chaque colonne du fichier alimente un champ (ou est ignorée). Les champs marqués * sont obligatoires.
        </p>
        {[...imp.erreursMapping, ...mappingErrors].length > 0 && (
          <div className="alert alert--error" role="alert">
            <ul>
              {[...imp.erreursMapping, ...mappingErrors].map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          </div>
        )}
        <div className="import-mapping">
          {imp.colonnes.map((c) => (
            <MappingSelect
              key={c.index}
              entete={c.entete}
              value={mapping[c.index] ?? null}
              champs={imp.champs}
              onChange={(v) => choose(c.index, v)}
            />
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="import-apercu">
        <div className="card-header">
          <h2 id="import-apercu">Aperçu</h2>
        </div>
        {imp.statut === 'analyse' ? (
          <div className="loading" role="status" aria-live="polite">
            <span className="spinner" aria-hidden="true" />
            Analyse des {imp.analyse.lignes} ligne(s) du fichier…
          </div>
        ) : (
          <>
            <ul className="import-counts">
              <li>
                <strong>{imp.analyse.valides}</strong> ligne(s) valide(s)
              </li>
              <li className={imp.analyse.invalides ? 'import-counts--bad' : undefined}>
                <strong>{imp.analyse.invalides}</strong> ligne(s) en erreur
              </li>
              <li>
                <strong>{imp.analyse.doublonsBase}</strong> doublon(s) de l’existant
              </li>
              <li>
                <strong>{imp.analyse.doublonsFichier}</strong> doublon(s) dans le fichier
              </li>
            </ul>
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Aperçu des premières lignes">
              <table className="table import-preview">
                <caption className="sr-only">Premières lignes du fichier, avec leurs erreurs</caption>
                <thead>
                  <tr>
                    <th scope="col">Ligne</th>
                    {imp.colonnes.map((c) => (
                      <th scope="col" key={c.index}>
                        {c.entete}
                        <span className="import-field">
                          {mapping[c.index] ? `→ ${libelle.get(mapping[c.index]!)}` : 'ignorée'}
                        </span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {imp.apercu.map((l) => (
                    <tr key={l.ligne}>
                      <th scope="row">
                        {l.ligne}
                        {l.doublon && (
                          <span className="badge badge--warning import-doublon">
                            {l.doublon.source === 'fichier'
                              ? `Doublon de la ligne ${l.doublon.ligne}`
                              : `Déjà dans le CRM (n° ${l.doublon.id})`}
                          </span>
                        )}
                      </th>
                      {imp.colonnes.map((c) => {
                        const champ = mapping[c.index];
                        const errs = (champ && l.erreurs[champ]) || [];
                        return (
                          <td
                            key={c.index}
                            className={errs.length ? 'import-cell--error' : undefined}
                            data-label={c.entete}
                          >
                            <span>
                              {l.cellules[c.index] || <span className="muted">—</span>}
                              {errs.map((m) => (
                                <span key={m} className="import-cell-error">
                                  {m}
                                </span>
                              ))}
                            </span>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="import-options">
        <h2 id="import-options">Options</h2>
        <fieldset className="radio-group import-options">
          <legend>Doublons</legend>
          {IMPORT_POLITIQUES.map((p) => (
            <label key={p} className="radio-card">
              <input type="radio" name="doublons" value={p} checked={doublons === p} onChange={() => setDoublons(p)} />
              {IMPORT_LABELS.politique[p]}
            </label>
          ))}
        </fieldset>
        <fieldset className="radio-group import-options">
          <legend>Lignes en erreur</legend>
          {IMPORT_MODES.map((m) => (
            <label key={m} className="radio-card">
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
              {m === 'tout_ou_rien'
                ? 'Tout ou rien (aucune ligne importée s’il y a une erreur)'
                : 'Importer seulement les lignes valides'}
            </label>
          ))}
        </fieldset>
        {validerErrors.length > 0 && (
          <div className="alert alert--error" role="alert">
            {validerErrors.join(' ')}
          </div>
        )}
        <div className="form-actions">
          {imp.rapportRejets && <RejetsButton path={imp.rapportRejets} />}
          <button className="btn btn--primary" type="submit" disabled={valider.isPending || analysing}>
            {valider.isPending ? 'Lancement…' : 'Lancer l’import'}
          </button>
        </div>
      </section>
    </form>
  );
}

function MappingSelect({
  entete,
  value,
  champs,
  onChange,
}: {
  entete: string;
  value: string | null;
  champs: Import['champs'];
  onChange: (v: string | null) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{entete}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">— Ignorer cette colonne —</option>
        {champs.map((c) => (
          <option key={c.code} value={c.code}>
            {c.libelle}
            {c.obligatoire ? ' *' : ''}
          </option>
        ))}
      </select>
    </div>
  );
}

/** While the job runs: the progress bar (polled); then the summary. */
function Suivi({ imp }: { imp: Import }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const qc = useQueryClient();
  const done = FINAL.has(imp.statut);
  useEffect(() => {
    if (!done) return;
    heading.current?.focus();
    // The lists, boards and dashboard the user saw before the import are stale now.
    if (imp.statut === 'termine') void qc.invalidateQueries();
  }, [done, imp.statut, qc]);
  if (!done) {
    return (
      <section className="card" aria-labelledby="import-progress">
        <h2 id="import-progress">{imp.statut === 'en_file' ? 'Import en attente…' : 'Import en cours…'}</h2>
        <progress
          className="import-progress"
          max={imp.progression.total || 1}
          value={imp.progression.faits}
          aria-labelledby="import-progress"
        />
        <p role="status" aria-live="polite">
          {imp.progression.faits} / {imp.progression.total} ligne(s) traitée(s) ({imp.progression.pourcentage} %)
        </p>
      </section>
    );
  }
  const r = imp.resultat;
  return (
    <section className="card" aria-labelledby="import-result">
      <h2 id="import-result" ref={heading} tabIndex={-1}>
        {imp.statut === 'termine' ? 'Import terminé' : 'Import non effectué'}
      </h2>
      {imp.erreur && (
        <div className="alert alert--error" role="alert">
          {imp.erreur}
        </div>
      )}
      <ul className="import-counts">
        <li>
          <strong>{r.crees}</strong> créé(s)
        </li>
        <li>
          <strong>{r.misAJour}</strong> mis à jour
        </li>
        <li>
          <strong>{r.ignores}</strong> doublon(s) ignoré(s)
        </li>
        <li className={r.rejetes ? 'import-counts--bad' : undefined}>
          <strong>{r.rejetes}</strong> rejeté(s)
        </li>
      </ul>
      <div className="form-actions">
        {imp.rapportRejets && <RejetsButton path={imp.rapportRejets} />}
        <Link className="btn btn--ghost" to={`/imports/nouveau?ressource=${imp.ressource}`}>
          Imports récents
        </Link>
        <Link className="btn btn--primary" to={LIST_PATH[imp.ressource]}>
          Voir les {IMPORT_LABELS.ressource[imp.ressource].toLowerCase()}
        </Link>
      </div>
    </section>
  );
}
