import type { EntityManager } from '@crm/db';
import type { ImportMode, ImportPolitique, ImportRessource, MessageKey } from '@crm/shared';
import type { AuthUser } from '../../auth/sessions.js';
import type { AppDeps } from '../../deps.js';
import { sql, sqlBound, sqlOne } from '../../lib/sql/runner.js';
import { decimal } from '../../lib/sql/values.js';
import { fromDatabaseError } from '../../lib/errors.js';
import { resumes } from '../evenements.js';
import { lockColumns, OPPORTUNITE_BOARD, POSITION_GAP, TACHE_BOARD, type Board } from '../kanban.js';
import { notify } from '../notifications.js';
import { boolArrayLiteral, intArrayLiteral, textArrayLiteral } from '../../lib/pgArrays.js';
import { analyseRows, type ContactValues, type PreparedRow } from './analyse.js';
import { crmFold } from '../../lib/sql/fold.js';
import { importAuthor, loadGrid, rejetsOf, storedAnalysis, type StoredAnalysis, type StoredRejets } from './index.js';

/**
 * The background half of an import (job `import.executer`): the rows are analysed again with the
 * validated mapping (the data may have changed since the upload), the duplicate policy decides
 * each valid row's fate, and everything is written in ONE transaction with set-based statements
 * (multi-row INSERT … SELECT FROM unnest, a few thousand rows each): nothing is written when the
 * transaction fails, or when the mode is « tout ou rien » and a row is rejected.
 *
 * Progress (`imports.traites`) is written after each batch from another connection than the
 * transaction's, so that the SPA sees it move while the transaction is open; the final counts
 * and `statut = termine` commit with the data.
 *
 * Side effects, chosen for 50 000 rows: one timeline event per created record (`client_cree`,
 * `opportunite_creee`, `tache_creee` when the tâche has a client), written set-based with the
 * rows; one in-app notice to the importer; no per-record webhook delivery (50 000 signed HTTP
 * calls are not what a subscriber to `client.created` expects from one import).
 */

const BATCH = 5_000;
const MAX_KEY = 2_147_483_647;

interface Op {
  values: Record<string, any>;
  provided: Set<string>;
  contacts: ContactValues[];
}

interface Plan {
  creates: Op[];
  /** Existing record id → the merged changes of the rows that update it. */
  updates: Map<number, Op>;
  misAJour: number;
  ignores: number;
  rejets: StoredRejets;
}

const mainFields = (provided: Set<string>) => [...provided].filter((f) => !f.startsWith('contact'));

function merge(op: Op, row: PreparedRow): void {
  for (const f of mainFields(row.provided)) {
    op.values[f] = row.values[f];
    op.provided.add(f);
  }
  if (row.contact) op.contacts.push(row.contact);
}

/** Each valid row's fate under the duplicate policy. */
export function planImport(rows: PreparedRow[], politique: ImportPolitique): Plan {
  const plan: Plan = { creates: [], updates: new Map(), misAJour: 0, ignores: 0, rejets: [] };
  const opOfLine = new Map<number, Op>();
  const create = (row: PreparedRow) => {
    const op: Op = {
      values: { ...row.values },
      provided: new Set(mainFields(row.provided)),
      contacts: row.contact ? [row.contact] : [],
    };
    plan.creates.push(op);
    opOfLine.set(row.ligne, op);
  };
  for (const row of rows) {
    if (Object.keys(row.erreurs).length) continue;
    const d = row.doublon;
    if (!d) {
      create(row);
      continue;
    }
    if (politique === 'ignorer') {
      plan.ignores++;
      continue;
    }
    if (politique === 'creer') {
      // The e-mail of a client is unique: a second client with it cannot exist.
      if (d.cle === 'email') plan.rejets.push({ ligne: row.ligne, erreurs: { email: ['error.email_taken'] } });
      else create(row);
      continue;
    }
    // mettre_a_jour: the existing record, or the record the earlier row of the file creates or updates.
    let op = d.source === 'base' ? plan.updates.get(d.id!) : opOfLine.get(d.ligne!);
    if (!op && d.source === 'base') {
      op = { values: {}, provided: new Set(), contacts: [] };
      plan.updates.set(d.id!, op);
    }
    if (!op) {
      create(row);
      continue;
    }
    merge(op, row);
    opOfLine.set(row.ligne, op);
    plan.misAJour++;
  }
  return plan;
}

/** Progress written outside the import's transaction (its own autocommit statement on the pool). */
class Progress {
  constructor(
    private readonly em: EntityManager,
    private readonly id: number,
    private done: number,
  ) {}

  async add(n: number): Promise<void> {
    this.done += n;
    await sql(this.em, 'update imports set traites = ? where id = ?', [this.done, this.id]);
  }
}

interface Claimed {
  ressource: ImportRessource;
  cree_par_id: number;
  mapping: (string | null)[];
  politique_doublons: ImportPolitique;
  mode: ImportMode;
  nom_fichier: string;
}

export async function executeImport(
  deps: AppDeps,
  importId: number,
  log: (err: unknown) => void = () => {},
): Promise<void> {
  const em = deps.orm.em.fork() as EntityManager;
  // `en_cours` too: a worker killed mid-import left it so (its transaction rolled back); the retry starts over.
  const claimed = await sqlOne<Claimed>(
    em,
    `update imports set statut = 'en_cours', date_debut = now(), traites = 0 where id = ? and statut in ('en_file', 'en_cours')
     returning ressource, cree_par_id, mapping, politique_doublons, mode, nom_fichier`,
    [importId],
  );
  if (!claimed) return;
  // The analysis this run made is the import's (the preview and counts of the upload's analysis
  // may be older, or missing when the import was validated before its analysis ended).
  let bilan: StoredAnalysis | null = null;
  const finish = (
    fields: { statut: 'termine' | 'echoue'; erreur?: MessageKey; rejets?: StoredRejets; counts?: number[] },
    tem: EntityManager = em,
  ) =>
    sql(
      tem,
      `update imports set statut = ?, erreur = ?, date_fin = now(), crees = ?, mis_a_jour = ?, ignores = ?, rejetes = ?,
         rejets = coalesce(?::jsonb, rejets), bilan = coalesce(?::jsonb, bilan) where id = ?`,
      [
        fields.statut,
        fields.erreur ?? null,
        ...(fields.counts ?? [0, 0, 0, fields.rejets?.length ?? 0]),
        fields.rejets ? JSON.stringify(fields.rejets) : null,
        bilan ? JSON.stringify(bilan) : null,
        importId,
      ],
    );
  try {
    const user = await importAuthor(em, claimed.cree_par_id);
    const grid = await loadGrid(em, importId);
    const analysis = await analyseRows(em, user, claimed.ressource, grid, claimed.mapping);
    bilan = storedAnalysis(analysis, grid);
    const plan = planImport(analysis.rows, claimed.politique_doublons);
    const rejets = [...rejetsOf(analysis.rows), ...plan.rejets].sort((a, b) => a.ligne - b.ligne);
    if (claimed.mode === 'tout_ou_rien' && rejets.length) {
      await finish({ statut: 'echoue', erreur: 'import.rien_importe', rejets });
      return;
    }
    const progress = new Progress(em, importId, rejets.length + plan.ignores);
    await progress.add(0);
    let crees = 0;
    await em.transactional(async (tem) => {
      const t = tem as EntityManager;
      crees = await WRITERS[claimed.ressource](t, user, plan, progress, importId);
      await finish({ statut: 'termine', rejets, counts: [crees, plan.misAJour, plan.ignores, rejets.length] }, t);
      await notify(t, {
        user: user.id,
        actor: null,
        type: 'import_termine',
        message: `Import « ${claimed.nom_fichier} » terminé : ${crees} créé(s), ${plan.misAJour} mis à jour, ${plan.ignores} ignoré(s), ${rejets.length} rejeté(s)`,
        lien: `/imports/${importId}`,
      });
    });
  } catch (err) {
    log(err);
    const mapped = fromDatabaseError(err);
    await finish({
      statut: 'echoue',
      erreur: mapped?.messageKey === 'error.email_taken' ? 'error.email_taken' : 'import.echec',
    }).catch(log);
  }
}

type Writer = (tem: EntityManager, user: AuthUser, plan: Plan, progress: Progress, importId: number) => Promise<number>;

const batches = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
};

/** `n` new ids of a serial column, in one statement (the rows are then inserted with them, in any order). */
async function newIds(tem: EntityManager, table: string, n: number): Promise<number[]> {
  if (!n) return [];
  const rows = await sqlBound<{ id: number }>(
    tem,
    `select nextval(pg_get_serial_sequence('${table}', 'id'))::int as id from generate_series(1, ?)`,
    [n],
  );
  return rows.map((r) => r.id);
}

const texts = (ops: Op[], f: string, fallback: string | null = '') =>
  textArrayLiteral(ops.map((o) => (o.values[f] ?? fallback) as string | null));
const ints = (ops: Op[], f: string) => intArrayLiteral(ops.map((o) => (o.values[f] ?? null) as number | null));
/** For updates: the value when the file gave one, else NULL (the column keeps its value). */
const given = (ops: Op[], f: string) =>
  textArrayLiteral(
    ops.map((o) =>
      o.provided.has(f) && o.values[f] !== undefined && o.values[f] !== null ? String(o.values[f]) : null,
    ),
  );
const givenInt = (ops: Op[], f: string) =>
  intArrayLiteral(ops.map((o) => (o.provided.has(f) ? ((o.values[f] ?? null) as number | null) : null)));

/**
 * Keys at the end of each column for the new cards, in file order, spaced like single creates
 * (POSITION_GAP), under the columns' locks (taken by the caller).
 */
async function endPositions(tem: EntityManager, board: Board, columns: string[]): Promise<number[]> {
  const wanted = [...new Set(columns)];
  await lockColumns(tem, board, wanted);
  const rows = await sql<{ v: string; p: number | null }>(
    tem,
    `select v, (select max(position) from ${board.table} where ${board.column} = v) as p from unnest(?::text[]) as v`,
    [textArrayLiteral(wanted)],
  );
  const last = new Map(rows.map((r) => [r.v, r.p ?? -1]));
  const count = new Map<string, number>();
  for (const c of columns) count.set(c, (count.get(c) ?? 0) + 1);
  const gap = new Map<string, number>();
  for (const [c, n] of count) {
    const g = Math.min(POSITION_GAP, Math.floor((MAX_KEY - last.get(c)!) / (n + 1)));
    if (g < 1) throw new Error(`${board.table}: no room left at the end of column ${c}`);
    gap.set(c, g);
  }
  return columns.map((c) => {
    const p = last.get(c)! + gap.get(c)!;
    last.set(c, p);
    return p;
  });
}

async function insertEvents(
  tem: EntityManager,
  user: AuthUser,
  type: string,
  importId: number,
  rows: Array<{ client: number | null; opportunite: number | null; resume: string }>,
): Promise<void> {
  const withClient = rows.filter((r) => r.client !== null);
  if (!withClient.length) return;
  await sqlBound(
    tem,
    `insert into evenements (type, client_id, opportunite_id, auteur_id, resume, donnees)
     select ?, x.client, x.opportunite, ?, x.resume, ?::jsonb from unnest(?::int[], ?::int[], ?::text[]) as x(client, opportunite, resume)`,
    [
      type,
      user.id,
      JSON.stringify({ import: importId }),
      intArrayLiteral(withClient.map((r) => r.client)),
      intArrayLiteral(withClient.map((r) => r.opportunite)),
      textArrayLiteral(withClient.map((r) => r.resume)),
    ],
  );
}

const WRITERS: Record<ImportRessource, Writer> = {
  async clients(tem, user, plan, progress, importId) {
    const ids = await newIds(tem, 'clients', plan.creates.length);
    for (const [k, chunk] of batches(plan.creates).entries()) {
      const contacts: NewContact[] = [];
      const chunkIds = ids.slice(k * BATCH, k * BATCH + chunk.length);
      await sqlBound(
        tem,
        `insert into clients (id, nom, societe, email, telephone, notes, categorie, responsable_id)
         select * from unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[])`,
        [
          intArrayLiteral(chunkIds),
          texts(chunk, 'nom'),
          texts(chunk, 'societe'),
          texts(chunk, 'email', null),
          texts(chunk, 'telephone'),
          texts(chunk, 'notes'),
          texts(chunk, 'categorie'),
          ints(chunk, 'responsable'),
        ],
      );
      await insertEvents(
        tem,
        user,
        'client_cree',
        importId,
        chunk.map((o, i) => ({
          client: chunkIds[i],
          opportunite: null,
          resume: `${resumes.clientCree(o.values.nom)} (import)`,
        })),
      );
      chunk.forEach((o, i) => {
        uniqueContacts(o.contacts).forEach((c, j) => {
          contacts.push({ client: chunkIds[i], c, principal: j === 0 });
        });
      });
      await insertContacts(tem, contacts);
      await progress.add(chunk.length);
    }
    const updates = [...plan.updates.entries()];
    for (const chunk of batches(updates)) {
      const ops = chunk.map(([, op]) => op);
      await sqlBound(
        tem,
        `update clients c set nom = coalesce(v.nom, c.nom), societe = coalesce(v.societe, c.societe), email = coalesce(v.email, c.email),
           telephone = coalesce(v.telephone, c.telephone), notes = coalesce(v.notes, c.notes), categorie = coalesce(v.categorie, c.categorie),
           responsable_id = coalesce(v.responsable, c.responsable_id), date_modification = now()
         from unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[]) as v(id, nom, societe, email, telephone, notes, categorie, responsable)
         where c.id = v.id`,
        [
          intArrayLiteral(chunk.map(([id]) => id)),
          given(ops, 'nom'),
          given(ops, 'societe'),
          given(ops, 'email'),
          given(ops, 'telephone'),
          given(ops, 'notes'),
          given(ops, 'categorie'),
          givenInt(ops, 'responsable'),
        ],
      );
      await progress.add(chunk.length);
    }
    // Contacts of updated clients: attached unless the client already has them (same e-mail or name).
    const withContacts = updates.filter(([, op]) => op.contacts.length);
    const contacts: NewContact[] = [];
    if (withContacts.length) {
      const existing = await sqlBound<{ client_id: number; email: string | null; nom: string; principal: boolean }>(
        tem,
        `select client_id, lower(email) as email, crm_fold(prenom || ' ' || nom) as nom, principal from contacts where client_id = any(?::int[])`,
        [intArrayLiteral(withContacts.map(([id]) => id))],
      );
      for (const [id, op] of withContacts) {
        const mine = existing.filter((e) => e.client_id === id);
        let hasPrincipal = mine.some((e) => e.principal);
        for (const c of uniqueContacts(op.contacts)) {
          if (mine.some((e) => (c.email && e.email === c.email) || e.nom === crmFold(`${c.prenom} ${c.nom}`))) continue;
          contacts.push({ client: id, c, principal: !hasPrincipal });
          hasPrincipal = true;
        }
      }
    }
    for (const chunk of batches(contacts)) await insertContacts(tem, chunk);
    return plan.creates.length;
  },

  async opportunites(tem, user, plan, progress, importId) {
    const positions = await endPositions(
      tem,
      OPPORTUNITE_BOARD,
      plan.creates.map((o) => o.values.etape),
    );
    const ids = await newIds(tem, 'opportunites', plan.creates.length);
    for (const [k, chunk] of batches(plan.creates).entries()) {
      const chunkIds = ids.slice(k * BATCH, k * BATCH + chunk.length);
      await sqlBound(
        tem,
        // Like a single create at `conclusion`: the result, the reason of a loss, and the day it was concluded (now).
        `insert into opportunites (id, nom, client_id, responsable_id, montant, probabilite, etape, resultat, motif_perte, date_conclusion,
           position, date_conclusion_estimee, notes)
         select x.id, x.nom, x.client, x.responsable, x.montant, x.probabilite, x.etape, x.resultat, x.motif,
                case when x.etape = 'conclusion' then now() end, x.position, x.echeance, x.notes
           from unnest(?::int[], ?::text[], ?::int[], ?::int[], ?::numeric[], ?::int[], ?::text[], ?::text[], ?::text[], ?::int[], ?::date[], ?::text[])
             as x(id, nom, client, responsable, montant, probabilite, etape, resultat, motif, position, echeance, notes)`,
        [
          intArrayLiteral(chunkIds),
          texts(chunk, 'nom'),
          ints(chunk, 'client'),
          ints(chunk, 'responsable'),
          textArrayLiteral(chunk.map((o) => decimal(o.values.montant ?? 0))),
          ints(chunk, 'probabilite'),
          texts(chunk, 'etape'),
          texts(chunk, 'resultat', null),
          texts(chunk, 'motifPerte'),
          intArrayLiteral(positions.slice(k * BATCH, k * BATCH + chunk.length)),
          texts(chunk, 'dateConclusionEstimee', null),
          texts(chunk, 'notes'),
        ],
      );
      await insertEvents(
        tem,
        user,
        'opportunite_creee',
        importId,
        chunk.map((o, i) => ({
          client: o.values.client,
          opportunite: chunkIds[i],
          resume: `${resumes.opportuniteCreee(o.values.nom, o.values.montant ?? 0)} (import)`,
        })),
      );
      await progress.add(chunk.length);
    }
    // An update changes the fields the file gives, never the stage (a move of the card).
    for (const chunk of batches([...plan.updates.entries()])) {
      const ops = chunk.map(([, op]) => op);
      await sqlBound(
        tem,
        `update opportunites o set nom = coalesce(v.nom, o.nom), montant = coalesce(v.montant::numeric, o.montant), probabilite = coalesce(v.probabilite, o.probabilite),
           date_conclusion_estimee = coalesce(v.date::date, o.date_conclusion_estimee), notes = coalesce(v.notes, o.notes),
           responsable_id = coalesce(v.responsable, o.responsable_id), date_modification = now()
         from unnest(?::int[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::int[]) as v(id, nom, montant, probabilite, date, notes, responsable)
         where o.id = v.id`,
        [
          intArrayLiteral(chunk.map(([id]) => id)),
          given(ops, 'nom'),
          textArrayLiteral(ops.map((o) => (o.provided.has('montant') ? decimal(o.values.montant) : null))),
          givenInt(ops, 'probabilite'),
          given(ops, 'dateConclusionEstimee'),
          given(ops, 'notes'),
          givenInt(ops, 'responsable'),
        ],
      );
      await progress.add(chunk.length);
    }
    return plan.creates.length;
  },

  async taches(tem, user, plan, progress, importId) {
    const positions = await endPositions(
      tem,
      TACHE_BOARD,
      plan.creates.map((o) => o.values.statut),
    );
    const ids = await newIds(tem, 'taches', plan.creates.length);
    for (const [k, chunk] of batches(plan.creates).entries()) {
      const chunkIds = ids.slice(k * BATCH, k * BATCH + chunk.length);
      await sqlBound(
        tem,
        // (The projet's client is the tâche's: checked by the analysis, enforced by the taches_client_of_projet trigger.)
        `insert into taches (id, titre, description, assigne_a_id, client_id, projet_id, priorite, date_echeance, statut, position, date_terminee)
         select x.id, x.titre, x.description, x.assigne, x.client, x.projet, x.priorite, x.echeance, x.statut, x.position,
                case when x.statut = 'terminee' then now() end
           from unnest(?::int[], ?::text[], ?::text[], ?::int[], ?::int[], ?::int[], ?::text[], ?::date[], ?::text[], ?::int[])
             as x(id, titre, description, assigne, client, projet, priorite, echeance, statut, position)`,
        [
          intArrayLiteral(chunkIds),
          texts(chunk, 'titre'),
          texts(chunk, 'description'),
          ints(chunk, 'assigneA'),
          ints(chunk, 'client'),
          ints(chunk, 'projet'),
          texts(chunk, 'priorite'),
          texts(chunk, 'dateEcheance'),
          texts(chunk, 'statut'),
          intArrayLiteral(positions.slice(k * BATCH, k * BATCH + chunk.length)),
        ],
      );
      await insertEvents(
        tem,
        user,
        'tache_creee',
        importId,
        chunk.map((o) => ({
          client: o.values.client ?? null,
          opportunite: null,
          resume: `${resumes.tacheCreee(o.values.titre)} (import)`,
        })),
      );
      await progress.add(chunk.length);
    }
    for (const chunk of batches([...plan.updates.entries()])) {
      const ops = chunk.map(([, op]) => op);
      await sqlBound(
        tem,
        `update taches t set titre = coalesce(v.titre, t.titre), description = coalesce(v.description, t.description),
           priorite = coalesce(v.priorite, t.priorite), assigne_a_id = coalesce(v.assigne, t.assigne_a_id),
           projet_id = coalesce(v.projet, t.projet_id), date_modification = now()
         from unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[]) as v(id, titre, description, priorite, assigne, projet)
         where t.id = v.id`,
        [
          intArrayLiteral(chunk.map(([id]) => id)),
          given(ops, 'titre'),
          given(ops, 'description'),
          given(ops, 'priorite'),
          givenInt(ops, 'assigneA'),
          givenInt(ops, 'projet'),
        ],
      );
      await progress.add(chunk.length);
    }
    return plan.creates.length;
  },
};

interface NewContact {
  client: number;
  c: ContactValues;
  principal: boolean;
}

async function insertContacts(tem: EntityManager, contacts: NewContact[]): Promise<void> {
  if (!contacts.length) return;
  await sqlBound(
    tem,
    `insert into contacts (client_id, prenom, nom, fonction, email, telephone, principal)
     select * from unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[])`,
    [
      intArrayLiteral(contacts.map((x) => x.client)),
      textArrayLiteral(contacts.map((x) => x.c.prenom)),
      textArrayLiteral(contacts.map((x) => x.c.nom)),
      textArrayLiteral(contacts.map((x) => x.c.fonction)),
      textArrayLiteral(contacts.map((x) => x.c.email)),
      textArrayLiteral(contacts.map((x) => x.c.telephone)),
      boolArrayLiteral(contacts.map((x) => x.principal)),
    ],
  );
}

/** A client's contacts without repeats (same e-mail, or same folded first and last name). */
function uniqueContacts(contacts: ContactValues[]): ContactValues[] {
  const seen = new Set<string>();
  return contacts.filter((c) => {
    const keys = [c.email ? `e:${c.email}` : null, `n:${crmFold(`${c.prenom} ${c.nom}`)}`].filter(
      (k): k is string => k !== null,
    );
    if (keys.some((k) => seen.has(k))) return false;
    for (const k of keys) seen.add(k);
    return true;
  });
}
