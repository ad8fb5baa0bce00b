import type { EntityManager } from '@crm/db';
import {
  IMPORT_APERCU_LIGNES,
  type importListInput,
  type ImportMode,
  type ImportOut,
  type ImportPolitique,
  type ImportResumeOut,
  type ImportRessource,
  type ImportStatut,
  type MessageKey,
  type Page,
} from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { enqueue } from '../../jobs/queue.js';
import { ApiError, badRequest, notFound } from '../../lib/errors.js';
import { CSV_BOM, csvHeaderLine, csvLine, type ReportColumn } from '../../lib/exports.js';
import { translate, type Lang } from '../../lib/i18n.js';
import { sql, sqlBound, sqlOne } from '../../lib/sql/runner.js';
import { iso } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, listResource, userName, type Resource } from '../listing.js';
import { seesAll } from '../visibility.js';
import { analyseRows, type Analysis, type PreparedRow } from './analyse.js';
import { champsOf, checkMapping, proposeMapping } from './champs.js';
import type { DecodedFile } from './fichier.js';

/**
 * Imports: upload (the file decoded and stored, a mapping proposed; its rows are analysed by the
 * job `import.analyser`, statut `analyse` → `pret`), the list of imports, reading (mapping,
 * preview with errors, duplicates, progress, result), changing the mapping (analysed again in the
 * background), validation (the job `import.executer` is enqueued in the same transaction) and the
 * report of rejected rows. A commercial sees their own imports only (404 otherwise); admins and
 * managers see every import.
 *
 * The analysis of 50 000 rows takes seconds (every row through the create schema, the lookups and
 * the duplicate search): it is not done in the upload request, which only decodes the file (a bad
 * file is still a 400 there, with nothing written) and answers 201 at once.
 */

type Row = Record<string, any>;

/** What an analysis keeps for reading: the preview rows and the counts (error keys, translated when read). */
export interface StoredAnalysis {
  apercu: Array<{
    ligne: number;
    cellules: string[];
    erreurs: Record<string, MessageKey[]>;
    doublon: PreparedRow['doublon'];
  }>;
  lignes: number;
  valides: number;
  invalides: number;
  doublonsFichier: number;
  doublonsBase: number;
}

/** Rejected rows: line number and error keys per field (cells are read from `cellules`). */
export type StoredRejets = Array<{ ligne: number; erreurs: Record<string, MessageKey[]> }>;

/** The preview keeps its rows' cells: reading an import (polled during the job) never reads the grid. */
export function storedAnalysis(a: Analysis, grid: string[][]): StoredAnalysis {
  return {
    apercu: a.rows
      .slice(0, IMPORT_APERCU_LIGNES)
      .map((r) => ({ ligne: r.ligne, cellules: grid[r.index], erreurs: r.erreurs, doublon: r.doublon })),
    lignes: a.rows.length,
    valides: a.valides,
    invalides: a.invalides,
    doublonsFichier: a.doublonsFichier,
    doublonsBase: a.doublonsBase,
  };
}

export const rejetsOf = (rows: PreparedRow[]): StoredRejets =>
  rows.filter((r) => Object.keys(r.erreurs).length).map((r) => ({ ligne: r.ligne, erreurs: r.erreurs }));

/**
 * A new import from a decoded file, with its proposed mapping, in state `analyse`; the analysis
 * job is enqueued in the same transaction (see analyseImport). The answer is read before the
 * commit: it always shows the import as created (`analyse`), whatever the job has done since.
 */
export async function createImport(
  em: EntityManager,
  user: AuthUser,
  ressource: ImportRessource,
  nomFichier: string,
  file: DecodedFile,
  lang: Lang,
): Promise<ImportOut> {
  const mapping = proposeMapping(ressource, file.entetes);
  return em.transactional(async (trx) => {
    const tem = trx as EntityManager;
    // Bound parameters: the cells are megabytes of text (the ORM path would inline them as literals).
    const [row] = await sqlBound<{ id: number }>(
      tem,
      `insert into imports (ressource, statut, nom_fichier, format, encodage, separateur, cree_par_id, entetes, cellules, mapping, mapping_propose, total)
       values (?, 'analyse', ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?) returning id`,
      [
        ressource,
        nomFichier.slice(0, 255),
        file.format,
        file.encodage,
        file.separateur,
        user.id,
        JSON.stringify(file.entetes),
        JSON.stringify(file.lignes),
        JSON.stringify(mapping),
        JSON.stringify(mapping),
        file.lignes.length,
      ],
    );
    await enqueue(tem, 'import.analyser', { importId: row.id });
    return getImport(tem, user, row.id, lang);
  });
}

/** The author of an import, as the job acts for them (visibility of clients, ownership rules). */
export async function importAuthor(em: EntityManager, userId: number): Promise<AuthUser> {
  const u = await sqlOne<{ id: number; username: string; role: AuthUser['role']; is_active: boolean }>(
    em,
    'select id, username, role, is_active from users where id = ?',
    [userId],
  );
  if (!u) throw new Error(`import author ${userId} not found`);
  return { id: u.id, username: u.username, role: u.role, isActive: u.is_active };
}

/**
 * Job `import.analyser`: every row of an import in state `analyse` checked with its current
 * mapping; the preview, counts and rejected rows are stored and the import becomes `pret`. Written
 * only if nothing changed meanwhile (same state, same mapping): a PATCH of the mapping during the
 * analysis enqueued another one, a validation made the analysis moot (the execution analyses again).
 */
export async function analyseImport(em: EntityManager, importId: number): Promise<void> {
  const row = await sqlOne<{ ressource: ImportRessource; cree_par_id: number; mapping: (string | null)[] }>(
    em,
    `select ressource, cree_par_id, mapping from imports where id = ? and statut = 'analyse'`,
    [importId],
  );
  if (!row) return;
  const user = await importAuthor(em, row.cree_par_id);
  const grid = await loadGrid(em, importId);
  const analysis = await analyseRows(em, user, row.ressource, grid, row.mapping);
  await sqlBound(
    em,
    `update imports set statut = 'pret', bilan = ?::jsonb, rejets = ?::jsonb
      where id = ? and statut = 'analyse' and mapping = ?::jsonb`,
    [
      JSON.stringify(storedAnalysis(analysis, grid)),
      JSON.stringify(rejetsOf(analysis.rows)),
      importId,
      JSON.stringify(row.mapping),
    ],
  );
}

/** The mapping an analysis job is about to check (JSON text), null when the import is not being analysed. */
export async function analysedMapping(em: EntityManager, importId: number): Promise<string | null> {
  const row = await sqlOne<{ mapping: string }>(
    em,
    `select mapping::text as mapping from imports where id = ? and statut = 'analyse'`,
    [importId],
  );
  return row?.mapping ?? null;
}

/**
 * An analysis that failed for good (its retries spent): the import fails, nothing was written —
 * unless its mapping changed since the analysis read it (`mapping`, from analysedMapping): the
 * change queued a newer analysis, which decides.
 */
export async function analyseFailed(em: EntityManager, importId: number, mapping: string | null): Promise<void> {
  await sql(
    em,
    `update imports set statut = 'echoue', erreur = 'import.analyse_echec', date_fin = now()
      where id = ? and statut = 'analyse' and mapping = ?::jsonb`,
    [importId, mapping],
  );
}

/** Whether the import has a report of rejected rows (final: the job's; before: the analysis'). */
const A_REJETS = `case when i.statut in ('termine', 'echoue') then i.rejetes > 0 else coalesce((i.bilan ->> 'invalides')::int, 0) > 0 end as a_rejets`;

const COLUMNS = `i.id, i.ressource, i.statut, i.nom_fichier, i.format, i.encodage, i.separateur, i.cree_par_id, i.entetes, i.mapping,
  i.mapping_propose, i.politique_doublons, i.mode, i.bilan, i.total, i.traites, i.crees, i.mis_a_jour, i.ignores, i.rejetes,
  i.erreur, i.date_creation, i.date_debut, i.date_fin, ${A_REJETS}`;

/** The import if the user may see it (its author, or an admin/manager); else 404. */
async function visibleImport(
  em: EntityManager,
  user: AuthUser,
  id: number,
  columns = COLUMNS,
  lock = '',
): Promise<Row> {
  const row = await sqlOne(
    em,
    `select ${columns} from imports i where i.id = ?${seesAll(user) ? '' : ' and i.cree_par_id = ?'}${lock}`,
    [id, ...(seesAll(user) ? [] : [user.id])],
  );
  if (!row) throw notFound();
  return row;
}

export async function getImport(em: EntityManager, user: AuthUser, id: number, lang: Lang): Promise<ImportOut> {
  const row = await visibleImport(em, user, id);
  return toOut(row, lang);
}

/** The fields every answer about an import has (list and detail). */
function commonOut(r: Row, lang: Lang) {
  const a: Partial<StoredAnalysis> = r.bilan ?? {};
  const statut = r.statut as ImportStatut;
  const total: number = r.total;
  const faits = statut === 'termine' ? total : Math.min(r.traites, total);
  return {
    id: r.id as number,
    ressource: r.ressource as ImportRessource,
    statut,
    nomFichier: r.nom_fichier as string,
    format: r.format as 'csv' | 'xlsx',
    creePar: r.cree_par_id as number,
    analyse: {
      lignes: a.lignes ?? total,
      valides: a.valides ?? 0,
      invalides: a.invalides ?? 0,
      doublonsFichier: a.doublonsFichier ?? 0,
      doublonsBase: a.doublonsBase ?? 0,
    },
    progression: { faits, total, pourcentage: total ? Math.floor((faits * 100) / total) : 100 },
    resultat: { crees: r.crees, misAJour: r.mis_a_jour, ignores: r.ignores, rejetes: r.rejetes },
    erreur: r.erreur ? translate(lang, r.erreur) : null,
    rapportRejets: r.a_rejets ? `/api/imports/${r.id}/rejets/` : null,
    dateCreation: iso(r.date_creation)!,
    dateDebut: iso(r.date_debut),
    dateFin: iso(r.date_fin),
  };
}

function toOut(r: Row, lang: Lang): ImportOut {
  const ressource = r.ressource as ImportRessource;
  const entetes: string[] = r.entetes;
  const mapping: (string | null)[] = r.mapping;
  const a: Partial<StoredAnalysis> = r.bilan ?? {};
  const problems = checkMapping(ressource, entetes.length, mapping);
  const tr = (errs: Record<string, MessageKey[]>) =>
    Object.fromEntries(Object.entries(errs).map(([f, keys]) => [f, keys.map((k) => translate(lang, k))]));
  return {
    ...commonOut(r, lang),
    encodage: r.encodage,
    separateur: r.separateur,
    colonnes: entetes.map((entete, index) => ({
      index,
      entete,
      champ: mapping[index] ?? null,
      champPropose: r.mapping_propose[index] ?? null,
    })),
    champs: champsOf(ressource).map((c) => ({ code: c.code, libelle: c.libelle, obligatoire: c.obligatoire })),
    erreursMapping: [
      ...problems.manquants.map((l) => `${translate(lang, 'import.mapping_obligatoire')} : ${l}`),
      ...Object.values(problems.fieldErrors)
        .flat()
        .map((k) => translate(lang, k)),
    ],
    apercu: (a.apercu ?? []).map((p) => ({
      ligne: p.ligne,
      cellules: p.cellules ?? [],
      erreurs: tr(p.erreurs),
      doublon: p.doublon,
    })),
    doublons: r.politique_doublons as ImportPolitique,
    mode: r.mode as ImportMode,
  };
}

/** The list's columns: not the preview (`bilan` without `apercu`), nor the file's columns. */
const IMPORTS: Resource<Row> = {
  from: 'from imports i join users u on u.id = i.cree_par_id',
  countFrom: 'from imports i',
  alias: 'i',
  columns: `i.id, i.ressource, i.statut, i.nom_fichier, i.format, i.cree_par_id, ${userName('u')} as cree_par_nom,
    i.bilan - 'apercu' as bilan, i.total, i.traites, i.crees, i.mis_a_jour, i.ignores, i.rejetes, i.erreur,
    i.date_creation, i.date_debut, i.date_fin, ${A_REJETS}`,
  orderColumns: {},
  // Ids grow with time: the newest first, along the primary key or (cree_par_id, id desc).
  defaultOrder: 'i.id desc',
  map: (r) => r,
};

/** `GET /imports/`: the caller's imports (every import for admins and managers), newest first. */
export async function listImports(
  em: EntityManager,
  user: AuthUser,
  input: z.infer<typeof importListInput>,
  lang: Lang,
): Promise<Page<ImportResumeOut>> {
  const where = new Where();
  if (!seesAll(user)) where.add('i.cree_par_id = ?', user.id);
  if (input.ressource) where.add('i.ressource = ?', input.ressource);
  if (input.statut) where.add('i.statut = ?', input.statut);
  addSearch(where, input.search, 'crm_fold(i.nom_fichier)');
  const page = await listResource(em, IMPORTS, input, where);
  return { ...page, results: page.results.map((r) => ({ ...commonOut(r, lang), creeParNom: r.cree_par_nom })) };
}

function assertMapping(ressource: ImportRessource, width: number, mapping: (string | null)[], complete: boolean): void {
  const problems = checkMapping(ressource, width, mapping);
  const fieldErrors = { ...problems.fieldErrors };
  if (complete && problems.manquants.length)
    fieldErrors.mapping = [...(fieldErrors.mapping ?? []), 'import.mapping_incomplet'];
  if (Object.keys(fieldErrors).length) throw badRequest(fieldErrors);
}

/** Loads the rows of an import (for a new analysis or the job). */
export async function loadGrid(em: EntityManager, id: number): Promise<string[][]> {
  const row = await sqlOne<{ cellules: string }>(em, 'select cellules from imports where id = ?', [id]);
  return row ? (JSON.parse(row.cellules) as string[][]) : [];
}

/**
 * `PATCH /imports/{id}/`: another mapping, analysed again in the background (before the import is
 * started): the import goes back to `analyse`, its previous preview and counts are dropped.
 */
export async function patchImport(
  em: EntityManager,
  user: AuthUser,
  id: number,
  mapping: (string | null)[],
  lang: Lang,
): Promise<ImportOut> {
  // The answer is read in the transaction: once it commits, the analysis may start (and even end)
  // before a read after it, which then showed `pret` for a PATCH that had just restarted it.
  return em.transactional(async (tem) => {
    const row = await visibleImport(
      tem as EntityManager,
      user,
      id,
      'i.id, i.statut, i.ressource, i.entetes',
      ' for update',
    );
    if (row.statut !== 'pret' && row.statut !== 'analyse') throw new ApiError('CONFLICT', 'import.deja_lance');
    assertMapping(row.ressource, row.entetes.length, mapping, false);
    await sql(
      tem,
      `update imports set mapping = ?::jsonb, statut = 'analyse', bilan = '{}'::jsonb, rejets = null where id = ?`,
      [JSON.stringify(mapping), id],
    );
    await enqueue(tem as EntityManager, 'import.analyser', { importId: id });
    return getImport(tem as EntityManager, user, id, lang);
  });
}

/**
 * `POST /imports/{id}/valider/`: the mapping (given, or the current one) must name every required
 * field; the import is queued (`en_file`) and its job enqueued in one transaction. Allowed while
 * the analysis runs (`analyse`) too: the job analyses the rows again anyway, with the mapping it is
 * given, and the pending analysis then writes nothing.
 */
export async function validerImport(
  em: EntityManager,
  user: AuthUser,
  input: { id: number; mapping?: (string | null)[]; doublons: ImportPolitique; mode: ImportMode },
  lang: Lang,
): Promise<ImportOut> {
  // Read in the transaction, as patchImport: the answer is the import as queued (`en_file`).
  return em.transactional(async (tem) => {
    const row = await visibleImport(
      tem,
      user,
      input.id,
      'i.id, i.statut, i.ressource, i.entetes, i.mapping',
      ' for update',
    );
    if (row.statut !== 'pret' && row.statut !== 'analyse') throw new ApiError('CONFLICT', 'import.deja_lance');
    const mapping = input.mapping ?? row.mapping;
    assertMapping(row.ressource, row.entetes.length, mapping, true);
    await sql(
      tem,
      `update imports set mapping = ?::jsonb, politique_doublons = ?, mode = ?, statut = 'en_file', traites = 0 where id = ?`,
      [JSON.stringify(mapping), input.doublons, input.mode, input.id],
    );
    await enqueue(tem, 'import.executer', { importId: input.id });
    return getImport(tem, user, input.id, lang);
  });
}

/** The rejected rows as CSV (the file's columns, then the line number and the errors), in the caller's language. */
export async function rejetsCsv(
  em: EntityManager,
  user: AuthUser,
  id: number,
  lang: Lang,
): Promise<{ nom: string; contenu: string }> {
  const row = await visibleImport(em, user, id, 'i.id, i.ressource, i.entetes, i.mapping, i.rejets, i.nom_fichier');
  const rejets: StoredRejets = row.rejets ?? [];
  // The whole grid in one read (a per-row jsonb access would detoast the grid once per row).
  const grid = rejets.length ? await loadGrid(em, id) : [];
  const entetes: string[] = row.entetes;
  const libelles = new Map(champsOf(row.ressource).map((c) => [c.code, c.libelle]));
  const colonnes: ReportColumn[] = [
    { key: 'ligne', label: translate(lang, 'import.ligne'), type: 'int' },
    ...entetes.map((h, i) => ({ key: `c${i}`, label: h, type: 'text' as const })),
    { key: 'erreurs', label: translate(lang, 'import.erreurs'), type: 'text' },
  ];
  const lines = [csvHeaderLine(colonnes)];
  for (const r of rejets) {
    const cells = grid[r.ligne - 2] ?? [];
    const erreurs = Object.entries(r.erreurs)
      .map(([f, keys]) => `${libelles.get(f) ?? f} : ${keys.map((k) => translate(lang, k)).join(' ')}`)
      .join(' | ');
    lines.push(
      csvLine(colonnes, {
        ligne: r.ligne,
        erreurs,
        ...Object.fromEntries(entetes.map((_, i) => [`c${i}`, cells[i] ?? ''])),
      }),
    );
  }
  const base =
    String(row.nom_fichier || 'import')
      .replace(/\.[^.]*$/, '')
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 80) || 'import';
  return { nom: `${base}-rejets.csv`, contenu: `${CSV_BOM}${lines.join('\r\n')}\r\n` };
}

export type { Analysis };
