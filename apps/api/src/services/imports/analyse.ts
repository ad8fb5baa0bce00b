import type { EntityManager } from '@crm/db';
import {
  clientCreateInput,
  contactCreateInput,
  isMessageKey,
  opportuniteCreateInput,
  tacheCreateInput,
  type ImportChamp,
  type ImportRessource,
  type MessageKey,
} from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { intArrayLiteral, textArrayLiteral } from '../../lib/pgArrays.js';
import { sqlBound } from '../../lib/sql/runner.js';
import { seesAll } from '../visibility.js';
import { crmFold } from '../../lib/sql/fold.js';
import { champsOf, parseChoice, parseDateFr, parseDecimal } from './champs.js';

/**
 * Validation of every row of an import and duplicate detection, with a fixed number of SQL
 * statements whatever the number of rows (client names, users, duplicates: one each).
 *
 * Each row's cells are converted (French dates, decimal commas, choice labels, client by id or
 * folded name, projet by id or folded title, user by id, username or e-mail) and parsed by the
 * resource's create schema from
 * packages/shared, so a row's errors are the API's own messages (kept as message keys, translated
 * when read). A valid row may duplicate an earlier valid row of the file or an existing record the
 * caller sees — clients: same e-mail, same normalised phone, or same folded name + société;
 * opportunités: same folded name for the same client; tâches: same folded title, client and due
 * date. An e-mail taken by a client the caller cannot see is an error of the row (the API would
 * answer 409), whatever the duplicate policy.
 */

export type Doublon = {
  source: 'fichier' | 'base';
  cle: 'email' | 'telephone' | 'nom';
  ligne: number | null;
  id: number | null;
};

export interface ContactValues {
  prenom: string;
  nom: string;
  fonction: string;
  email: string | null;
  telephone: string;
}

export interface PreparedRow {
  /** 0-based index among the data rows. */
  index: number;
  /** Line of the file (the header is line 1). */
  ligne: number;
  /** The create schema's output (valid rows). */
  values: Record<string, any>;
  /** Fields whose cell was not empty (an update changes these only). */
  provided: Set<string>;
  contact: ContactValues | null;
  erreurs: Record<string, MessageKey[]>;
  doublon: Doublon | null;
}

export interface Analysis {
  rows: PreparedRow[];
  valides: number;
  invalides: number;
  doublonsFichier: number;
  doublonsBase: number;
}

const SCHEMAS: Record<ImportRessource, z.ZodObject> = {
  clients: clientCreateInput as unknown as z.ZodObject,
  opportunites: opportuniteCreateInput as unknown as z.ZodObject,
  taches: tacheCreateInput as unknown as z.ZodObject,
};
const contactSchema = contactCreateInput.omit({ client: true, principal: true, notes: true });
const CONTACT_FIELDS: Record<string, string> = {
  prenom: 'contactPrenom',
  nom: 'contactNom',
  fonction: 'contactFonction',
  email: 'contactEmail',
  telephone: 'contactTelephone',
};

const PG_INT_MAX = 2_147_483_647;
const asId = (raw: string): number | null =>
  /^\d{1,10}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= PG_INT_MAX ? Number(raw) : null;

function issueKey(issue: z.core.$ZodIssue): MessageKey {
  if (isMessageKey(issue.message)) return issue.message;
  if (issue.code === 'invalid_type' && /undefined/.test(issue.message)) return 'err.required';
  return 'err.invalid';
}

interface ProjetRef {
  id: number;
  client: number;
}

interface Lookups {
  clients: Map<string, number | 'ambigu'>;
  /** `#id` → the projet; folded title → every projet of that title the caller sees. */
  projets: Map<string, ProjetRef[]>;
  users: Map<string, number>;
}

/** Client names / ids, projet titles / ids and user names of the file, resolved in one statement each. */
async function lookups(
  em: EntityManager,
  user: AuthUser,
  champs: Map<string, number>,
  grid: string[][],
): Promise<Lookups> {
  const out: Lookups = { clients: new Map(), projets: new Map(), users: new Map() };
  const clientCol = champs.get('client');
  if (clientCol !== undefined) {
    const ids = new Set<number>();
    const names = new Set<string>();
    for (const row of grid) {
      const raw = row[clientCol];
      if (!raw) continue;
      const id = asId(raw);
      if (id !== null) ids.add(id);
      names.add(crmFold(raw));
    }
    if (ids.size || names.size) {
      const scope = seesAll(user) ? '' : ' and c.responsable_id = ?';
      const rows = await sqlBound<{ id: number; cle: string; par_id: boolean }>(
        em,
        `select c.id, c.nom_plie as cle, c.id = any(?::int[]) as par_id from clients c
          where (c.id = any(?::int[]) or c.nom_plie = any(?::text[]))${scope}`,
        [
          intArrayLiteral([...ids]),
          intArrayLiteral([...ids]),
          textArrayLiteral([...names]),
          ...(seesAll(user) ? [] : [user.id]),
        ],
      );
      for (const r of rows) {
        if (r.par_id) out.clients.set(`#${r.id}`, r.id);
        if (names.has(r.cle)) {
          const prev = out.clients.get(r.cle);
          out.clients.set(r.cle, prev === undefined || prev === r.id ? r.id : 'ambigu');
        }
      }
    }
  }
  const projetCol = champs.get('projet');
  if (projetCol !== undefined) {
    const ids = new Set<number>();
    const names = new Set<string>();
    for (const row of grid) {
      const raw = row[projetCol];
      if (!raw) continue;
      const id = asId(raw);
      if (id !== null) ids.add(id);
      names.add(crmFold(raw));
    }
    if (ids.size || names.size) {
      // The projets of the clients the caller sees (a commercial: their clients'), by the index on crm_fold(titre).
      const scope = seesAll(user) ? '' : ' and p.client_id in (select id from clients where responsable_id = ?)';
      const rows = await sqlBound<{ id: number; client_id: number; cle: string; par_id: boolean }>(
        em,
        `select p.id, p.client_id, crm_fold(p.titre) as cle, p.id = any(?::int[]) as par_id from projets p
          where (p.id = any(?::int[]) or crm_fold(p.titre) = any(?::text[]))${scope} order by p.id`,
        [
          intArrayLiteral([...ids]),
          intArrayLiteral([...ids]),
          textArrayLiteral([...names]),
          ...(seesAll(user) ? [] : [user.id]),
        ],
      );
      for (const r of rows) {
        const ref = { id: r.id, client: r.client_id };
        if (r.par_id) out.projets.set(`#${r.id}`, [ref]);
        if (names.has(r.cle)) {
          const list = out.projets.get(r.cle);
          if (list) list.push(ref);
          else out.projets.set(r.cle, [ref]);
        }
      }
    }
  }
  const userCols = ['responsable', 'assigneA'].map((c) => champs.get(c)).filter((c): c is number => c !== undefined);
  if (userCols.length) {
    const keys = new Set<string>();
    for (const row of grid) for (const c of userCols) if (row[c]) keys.add(row[c].toLowerCase());
    if (keys.size) {
      const list = [...keys];
      const ids = list.map(asId).filter((n): n is number => n !== null);
      const rows = await sqlBound<{ id: number; username: string; email: string }>(
        em,
        `select id, lower(username) as username, lower(email) as email from users
          where is_active and (id = any(?::int[]) or lower(username) = any(?::text[]) or lower(email) = any(?::text[]))`,
        [intArrayLiteral(ids), textArrayLiteral(list), textArrayLiteral(list)],
      );
      for (const r of rows) {
        out.users.set(String(r.id), r.id);
        out.users.set(r.username, r.id);
        if (r.email) out.users.set(r.email, r.id);
      }
    }
  }
  return out;
}

/** Validates every row with `mapping` (one field or null per column) and finds duplicates. */
export async function analyseRows(
  em: EntityManager,
  user: AuthUser,
  ressource: ImportRessource,
  grid: string[][],
  mapping: (string | null)[],
): Promise<Analysis> {
  const defs = new Map(champsOf(ressource).map((c) => [c.code, c]));
  const champs = new Map<string, number>();
  mapping.forEach((code, i) => {
    if (code && defs.has(code)) champs.set(code, i);
  });
  const found = await lookups(em, user, champs, grid);
  const schema = SCHEMAS[ressource];
  const rows: PreparedRow[] = new Array(grid.length);
  for (let index = 0; index < grid.length; index++) {
    rows[index] = prepareRow(ressource, user, schema, defs, champs, grid[index], index, found);
  }
  await findDuplicates(em, user, ressource, rows);
  let valides = 0;
  let doublonsFichier = 0;
  let doublonsBase = 0;
  for (const r of rows) {
    if (Object.keys(r.erreurs).length) continue;
    valides++;
    if (r.doublon?.source === 'fichier') doublonsFichier++;
    if (r.doublon?.source === 'base') doublonsBase++;
  }
  return { rows, valides, invalides: rows.length - valides, doublonsFichier, doublonsBase };
}

function prepareRow(
  ressource: ImportRessource,
  user: AuthUser,
  schema: z.ZodObject,
  defs: Map<string, ImportChamp>,
  champs: Map<string, number>,
  cells: string[],
  index: number,
  found: Lookups,
): PreparedRow {
  const input: Record<string, unknown> = {};
  const provided = new Set<string>();
  const erreurs: Record<string, MessageKey[]> = {};
  const contactInput: Record<string, unknown> = {};
  let projetCell: string | undefined;
  for (const [code, col] of champs) {
    const raw = cells[col] ?? '';
    if (raw === '') continue;
    provided.add(code);
    const def = defs.get(code)!;
    if (code.startsWith('contact')) {
      const field = code.slice('contact'.length);
      contactInput[field.charAt(0).toLowerCase() + field.slice(1)] = raw;
      continue;
    }
    switch (def.type) {
      case 'montant':
        input[code] = parseDecimal(raw);
        break;
      case 'entier': {
        const n = parseDecimal(raw);
        input[code] = n;
        break;
      }
      case 'date': {
        const iso = parseDateFr(raw);
        if (iso === null) erreurs[code] = ['import.date'];
        input[code] = iso ?? raw;
        break;
      }
      case 'choix':
        input[code] = parseChoice(code, raw);
        break;
      case 'client': {
        const id = asId(raw);
        const hit = (id !== null ? found.clients.get(`#${id}`) : undefined) ?? found.clients.get(crmFold(raw));
        if (hit === 'ambigu') erreurs[code] = ['import.client_ambigu'];
        else if (hit === undefined) erreurs[code] = ['err.not_found_ref'];
        else input[code] = hit;
        break;
      }
      case 'projet':
        // Resolved below, once the row's client is known (it narrows a title several projets share).
        projetCell = raw;
        break;
      case 'utilisateur': {
        const hit = found.users.get(raw.toLowerCase());
        if (hit === undefined) erreurs[code] = ['import.utilisateur_inconnu'];
        else input[code] = hit;
        break;
      }
      default:
        input[code] = raw;
    }
  }
  if (projetCell !== undefined) resolveProjet(projetCell, input, erreurs, found);
  // A commercial's imported records are theirs (like a single create, which refuses another owner).
  const owner = ressource === 'taches' ? 'assigneA' : 'responsable';
  if (input[owner] === undefined && !erreurs[owner]) input[owner] = user.id;
  else if (!seesAll(user) && input[owner] !== user.id && !erreurs[owner]) erreurs[owner] = ['import.commercial_soi'];

  const parsed = schema.safeParse(input);
  let values: Record<string, any> = {};
  if (parsed.success) values = parsed.data as Record<string, any>;
  else {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'nonFieldErrors');
      if (erreurs[field]) continue;
      // An empty cell of a required field: « obligatoire », not the format the field expects.
      const missing = issue.code === 'invalid_type' && input[field] === undefined;
      erreurs[field] ??= [];
      erreurs[field].push(missing ? 'err.required' : issueKey(issue));
    }
  }
  if (ressource === 'opportunites' && parsed.success) stageOutcome(values, champs, erreurs);

  let contact: ContactValues | null = null;
  if (Object.keys(contactInput).length) {
    if (contactInput.nom === undefined) erreurs.contactNom = ['import.contact_sans_nom'];
    else {
      const c = contactSchema.safeParse(contactInput);
      if (c.success) contact = c.data as ContactValues;
      else
        for (const issue of c.error.issues) {
          const field = CONTACT_FIELDS[String(issue.path[0])] ?? 'contactNom';
          erreurs[field] ??= [];
          erreurs[field].push(issueKey(issue));
        }
    }
  }
  return { index, ligne: index + 2, values, provided, contact, erreurs, doublon: null };
}

/**
 * The projet a tâche names, by id or by its title (case- and accent-insensitive, whole title),
 * among the projets the caller sees. The row's client, when given, must be the projet's; it also
 * picks one among several projets of that title. Without a client the projet's is taken (as the
 * API's create does).
 */
function resolveProjet(
  raw: string,
  input: Record<string, unknown>,
  erreurs: Record<string, MessageKey[]>,
  found: Lookups,
): void {
  const id = asId(raw);
  const candidates = (id !== null ? found.projets.get(`#${id}`) : undefined) ?? found.projets.get(crmFold(raw)) ?? [];
  if (!candidates.length) {
    erreurs.projet = ['import.projet_inconnu'];
    return;
  }
  const client = typeof input.client === 'number' ? input.client : undefined;
  const mine = client === undefined ? candidates : candidates.filter((p) => p.client === client);
  if (!mine.length) erreurs.projet = ['err.projet_client'];
  else if (mine.length > 1) erreurs.projet = ['import.projet_ambigu'];
  else {
    input.projet = mine[0].id;
    if (client === undefined && !erreurs.client) input.client = mine[0].client;
  }
}

/**
 * The API's create rules for the outcome (services/opportunites.ts `stageOutcome`): at
 * `conclusion` a result (gagnée / perdue) is required, at any other stage none is allowed; the
 * reason of a loss is kept for a lost deal only. The error goes to the result's column, or to the
 * stage's when the file has no result column.
 */
function stageOutcome(
  values: Record<string, any>,
  champs: Map<string, number>,
  erreurs: Record<string, MessageKey[]>,
): void {
  if (values.etape === 'conclusion' && !values.resultat) {
    erreurs[champs.has('resultat') ? 'resultat' : 'etape'] = ['import.resultat_requis'];
  } else if (values.etape !== 'conclusion' && values.resultat) {
    erreurs.resultat = ['err.resultat_hors_conclusion'];
  }
  if (values.resultat !== 'perdue') values.motifPerte = '';
}

/** Duplicate keys of a valid row, strongest first. */
function keysOf(ressource: ImportRessource, v: Record<string, any>): Array<[Doublon['cle'], string]> {
  if (ressource === 'clients') {
    const keys: Array<[Doublon['cle'], string]> = [];
    if (v.email) keys.push(['email', v.email]);
    if (v.telephone) keys.push(['telephone', v.telephone]);
    keys.push(['nom', `${crmFold(v.nom)}|${crmFold(v.societe ?? '')}`]);
    return keys;
  }
  if (ressource === 'opportunites') return [['nom', `${v.client}|${crmFold(v.nom)}`]];
  return [['nom', `${v.client ?? ''}|${crmFold(v.titre)}|${v.dateEcheance}`]];
}

async function findDuplicates(
  em: EntityManager,
  user: AuthUser,
  ressource: ImportRessource,
  rows: PreparedRow[],
): Promise<void> {
  const valid = rows.filter((r) => !Object.keys(r.erreurs).length);
  const inDb = await duplicatesInDatabase(em, user, ressource, valid);
  const first = new Map<string, number>();
  for (const r of valid) {
    const keys = keysOf(ressource, r.values);
    const db = inDb.get(r.index);
    if (db === 'email_pris') {
      r.erreurs.email = ['error.email_taken'];
      continue;
    }
    if (db) r.doublon = { source: 'base', cle: db.cle, ligne: null, id: db.id };
    for (const [cle, key] of keys) {
      const k = `${cle}:${key}`;
      const earlier = first.get(k);
      if (earlier !== undefined && !r.doublon) r.doublon = { source: 'fichier', cle, ligne: earlier, id: null };
      if (earlier === undefined) first.set(k, r.ligne);
    }
  }
}

type DbMatch = { cle: Doublon['cle']; id: number } | 'email_pris';

/** Existing records duplicated by the rows, in one statement (a union of indexed equality joins). */
async function duplicatesInDatabase(
  em: EntityManager,
  user: AuthUser,
  ressource: ImportRessource,
  rows: PreparedRow[],
): Promise<Map<number, DbMatch>> {
  const out = new Map<number, DbMatch>();
  if (!rows.length) return out;
  const idx = intArrayLiteral(rows.map((r) => r.index));
  const all = seesAll(user);
  type Found = { i: number; cle: Doublon['cle']; id: number; visible: boolean };
  let found: Found[];
  if (ressource === 'clients') {
    const visible = all ? 'true' : 'c.responsable_id = ?';
    const vp = all ? [] : [user.id];
    found = await sqlBound<Found>(
      em,
      `with k as (select * from unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[]) as k(i, email, tel, nom, soc))
       select k.i, 'email' as cle, c.id, ${visible} as visible from k join clients c on lower(c.email) = k.email where k.email is not null
       union all
       select k.i, 'telephone', c.id, true from k join clients c on c.telephone = k.tel where k.tel is not null and c.telephone <> '' and ${visible}
       union all
       select k.i, 'nom', c.id, true from k join clients c on c.nom_plie = k.nom and c.societe_plie = k.soc where ${visible}
       order by 1, 3`,
      [
        idx,
        textArrayLiteral(rows.map((r) => r.values.email ?? null)),
        textArrayLiteral(rows.map((r) => r.values.telephone || null)),
        textArrayLiteral(rows.map((r) => crmFold(r.values.nom))),
        textArrayLiteral(rows.map((r) => crmFold(r.values.societe ?? ''))),
        ...vp,
        ...vp,
        ...vp,
      ],
    );
  } else if (ressource === 'opportunites') {
    // The client was resolved among those the caller sees: its opportunités are visible too.
    found = await sqlBound<Found>(
      em,
      `select k.i, 'nom' as cle, o.id, true as visible from unnest(?::int[], ?::int[], ?::text[]) as k(i, client, nom)
         join opportunites o on o.client_id = k.client and crm_fold(o.nom) = k.nom order by 1, 3`,
      [
        idx,
        intArrayLiteral(rows.map((r) => r.values.client)),
        textArrayLiteral(rows.map((r) => crmFold(r.values.nom))),
      ],
    );
  } else {
    const scope = all
      ? ''
      : 'and (t.assigne_a_id = ? or t.client_id in (select id from clients where responsable_id = ?))';
    found = await sqlBound<Found>(
      em,
      `select k.i, 'nom' as cle, t.id, true as visible from unnest(?::int[], ?::int[], ?::text[], ?::date[]) as k(i, client, titre, echeance)
         join taches t on t.date_echeance = k.echeance and (t.client_id = k.client or (t.client_id is null and k.client is null))
          and crm_fold(t.titre) = k.titre ${scope} order by 1, 3`,
      [
        idx,
        intArrayLiteral(rows.map((r) => r.values.client ?? null)),
        textArrayLiteral(rows.map((r) => crmFold(r.values.titre))),
        textArrayLiteral(rows.map((r) => r.values.dateEcheance)),
        ...(all ? [] : [user.id, user.id]),
      ],
    );
  }
  const rank = { email: 0, telephone: 1, nom: 2 } as const;
  for (const f of found) {
    const prev = out.get(f.i);
    if (prev === 'email_pris') continue;
    if (f.cle === 'email' && !f.visible) {
      out.set(f.i, 'email_pris');
      continue;
    }
    if (!prev || rank[f.cle] < rank[prev.cle]) out.set(f.i, { cle: f.cle, id: f.id });
  }
  return out;
}
