import type { EntityManager } from '@crm/db';
import {
  IMPORT_APERCU_LIGNES,
  type ImportMode,
  type ImportOut,
  type ImportPolitique,
  type ImportRessource,
  type ImportStatut,
  type MessageKey,
} from '@crm/shared';
import type { AuthUser } from '../../auth/sessions.js';
import { enqueue } from '../../jobs/queue.js';
import { ApiError, badRequest, notFound } from '../../lib/errors.js';
import { CSV_BOM, csvHeaderLine, csvLine, type ReportColumn } from '../../lib/exports.js';
import { translate, type Lang } from '../../lib/i18n.js';
import { sql, sqlOne } from '../../lib/sql/runner.js';
import { iso } from '../../lib/sql/values.js';
import { seesAll } from '../visibility.js';
import { analyseRows, type Analysis, type PreparedRow } from './analyse.js';
import { champsOf, checkMapping, proposeMapping } from './champs.js';
import type { DecodedFile } from './fichier.js';

/**
 * Imports: upload (the file decoded, a mapping proposed, every row analysed), reading (mapping,
 * preview with errors, duplicates, progress, result), changing the mapping (analysed again),
 * validation (the job `import.executer` is enqueued in the same transaction) and the report of
 * rejected rows. A commercial sees their own imports only (404 otherwise); admins and managers
 * see every import.
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

/** A new import from a decoded file: the proposed mapping, every row analysed with it. */
export async function createImport(
  em: EntityManager,
  user: AuthUser,
  ressource: ImportRessource,
  nomFichier: string,
  file: DecodedFile,
): Promise<number> {
  const mapping = proposeMapping(ressource, file.entetes);
  const analysis = await analyseRows(em, user, ressource, file.lignes, mapping);
  const [row] = await sql<{ id: number }>(
    em,
    `insert into imports (ressource, nom_fichier, format, encodage, separateur, cree_par_id, entetes, cellules, mapping, mapping_propose, bilan, total, rejets)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?::jsonb) returning id`,
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
      JSON.stringify(storedAnalysis(analysis, file.lignes)),
      file.lignes.length,
      JSON.stringify(rejetsOf(analysis.rows)),
    ],
  );
  return row.id;
}

const COLUMNS = `i.id, i.ressource, i.statut, i.nom_fichier, i.format, i.encodage, i.separateur, i.cree_par_id, i.entetes, i.mapping,
  i.mapping_propose, i.politique_doublons, i.mode, i.bilan, i.total, i.traites, i.crees, i.mis_a_jour, i.ignores, i.rejetes,
  i.erreur, i.date_creation, i.date_debut, i.date_fin,
  case when i.statut in ('termine', 'echoue') then i.rejetes > 0 else coalesce((i.bilan ->> 'invalides')::int, 0) > 0 end as a_rejets`;

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

function toOut(r: Row, lang: Lang): ImportOut {
  const ressource = r.ressource as ImportRessource;
  const entetes: string[] = r.entetes;
  const mapping: (string | null)[] = r.mapping;
  const a: StoredAnalysis = r.bilan;
  const problems = checkMapping(ressource, entetes.length, mapping);
  const tr = (errs: Record<string, MessageKey[]>) =>
    Object.fromEntries(Object.entries(errs).map(([f, keys]) => [f, keys.map((k) => translate(lang, k))]));
  const statut = r.statut as ImportStatut;
  const total: number = r.total;
  const faits = statut === 'termine' ? total : Math.min(r.traites, total);
  return {
    id: r.id,
    ressource,
    statut,
    nomFichier: r.nom_fichier,
    format: r.format,
    encodage: r.encodage,
    separateur: r.separateur,
    creePar: r.cree_par_id,
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
    analyse: {
      lignes: a.lignes ?? total,
      valides: a.valides ?? 0,
      invalides: a.invalides ?? 0,
      doublonsFichier: a.doublonsFichier ?? 0,
      doublonsBase: a.doublonsBase ?? 0,
    },
    doublons: r.politique_doublons as ImportPolitique,
    mode: r.mode as ImportMode,
    progression: { faits, total, pourcentage: total ? Math.floor((faits * 100) / total) : 100 },
    resultat: { crees: r.crees, misAJour: r.mis_a_jour, ignores: r.ignores, rejetes: r.rejetes },
    erreur: r.erreur ? translate(lang, r.erreur) : null,
    rapportRejets: r.a_rejets ? `/api/imports/${r.id}/rejets/` : null,
    dateCreation: iso(r.date_creation)!,
    dateDebut: iso(r.date_debut),
    dateFin: iso(r.date_fin),
  };
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

/** `PATCH /imports/{id}/`: another mapping, analysed again (only before the import is started). */
export async function patchImport(
  em: EntityManager,
  user: AuthUser,
  id: number,
  mapping: (string | null)[],
  lang: Lang,
): Promise<ImportOut> {
  const row = await visibleImport(em, user, id);
  if (row.statut !== 'pret') throw new ApiError('CONFLICT', 'import.deja_lance');
  assertMapping(row.ressource, row.entetes.length, mapping, false);
  const grid = await loadGrid(em, id);
  const analysis = await analyseRows(em, user, row.ressource, grid, mapping);
  const updated = await sql(
    em,
    `update imports set mapping = ?::jsonb, bilan = ?::jsonb, rejets = ?::jsonb where id = ? and statut = 'pret' returning id`,
    [
      JSON.stringify(mapping),
      JSON.stringify(storedAnalysis(analysis, grid)),
      JSON.stringify(rejetsOf(analysis.rows)),
      id,
    ],
  );
  if (!updated.length) throw new ApiError('CONFLICT', 'import.deja_lance');
  return getImport(em, user, id, lang);
}

/**
 * `POST /imports/{id}/valider/`: the mapping (given, or the current one) must name every required
 * field; the import is queued (`en_file`) and its job enqueued in one transaction.
 */
export async function validerImport(
  em: EntityManager,
  user: AuthUser,
  input: { id: number; mapping?: (string | null)[]; doublons: ImportPolitique; mode: ImportMode },
  lang: Lang,
): Promise<ImportOut> {
  await em.transactional(async (tem) => {
    const row = await visibleImport(
      tem,
      user,
      input.id,
      'i.id, i.statut, i.ressource, i.entetes, i.mapping',
      ' for update',
    );
    if (row.statut !== 'pret') throw new ApiError('CONFLICT', 'import.deja_lance');
    const mapping = input.mapping ?? row.mapping;
    assertMapping(row.ressource, row.entetes.length, mapping, true);
    await sql(
      tem,
      `update imports set mapping = ?::jsonb, politique_doublons = ?, mode = ?, statut = 'en_file', traites = 0 where id = ?`,
      [JSON.stringify(mapping), input.doublons, input.mode, input.id],
    );
    await enqueue(tem, 'import.executer', { importId: input.id });
  });
  return getImport(em, user, input.id, lang);
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
