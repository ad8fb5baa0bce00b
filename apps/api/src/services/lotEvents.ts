import type { EntityManager } from '@crm/db';
import type { Etape, TacheStatut, WebhookEvent } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { intArrayLiteral } from '../lib/pgArrays.js';
import { sql } from '../lib/sql/runner.js';
import { CLIENT_RESOURCE } from './clients/queries.js';
import { recordEvents, resumes, userNames, type EventRecord } from './evenements.js';
import type { Resource } from './listing.js';
import { notifyMany, tacheAssigneeNotice } from './notifications.js';
import { OPPORTUNITE_RESOURCE } from './opportunites/queries.js';
import { PROJET_RESOURCE } from './projets/queries.js';
import { TACHE_RESOURCE } from './taches/queries.js';
import { emitWebhookEvents } from './webhooks.js';

/**
 * What bulk actions (`POST /<resource>/lot/`) record besides their change, like the single
 * mutations do, set-based and in the action's transaction: timeline events (one INSERT), in-app
 * notices (one INSERT) and webhook events (the records' REST representation read in one SELECT,
 * the deliveries in one INSERT and their jobs in one more) — a fixed number of statements
 * whatever the number of rows.
 */

type Singular = 'client' | 'opportunite' | 'projet' | 'tache';
const RESOURCES: Record<Singular, Resource<any>> = {
  client: CLIENT_RESOURCE,
  opportunite: OPPORTUNITE_RESOURCE,
  projet: PROJET_RESOURCE,
  tache: TACHE_RESOURCE,
};

/** The rows' REST representation (as their lists show them), in id order. */
async function details(
  em: EntityManager,
  singular: Singular,
  ids: number[],
): Promise<Array<{ id: number } & Record<string, unknown>>> {
  const r = RESOURCES[singular];
  const rows = await sql(
    em,
    `select ${r.columns} ${r.from} where ${r.alias}.id = any(?::int[]) order by ${r.alias}.id`,
    [intArrayLiteral(ids)],
  );
  return rows.map(r.map);
}

/** `<singular>.<suffix>` for each row, with its current representation (and what it was, when given). */
export async function emitRows(
  em: EntityManager,
  singular: Singular,
  suffixes: string[],
  ids: number[],
  previous?: (id: number) => Record<string, unknown> | undefined,
): Promise<void> {
  if (!ids.length) return;
  const rows = await details(em, singular, ids);
  for (const suffix of suffixes) {
    await emitWebhookEvents(
      em,
      `${singular}.${suffix}` as WebhookEvent,
      rows.map((d) => ({ cle: `${singular}:${d.id}`, data: d, previous: previous?.(d.id) })),
    );
  }
}

export const emitDeleted = (em: EntityManager, singular: Singular, ids: number[]) =>
  emitWebhookEvents(
    em,
    `${singular}.deleted` as WebhookEvent,
    ids.map((id) => ({ cle: `${singular}:${id}`, data: { id } })),
  );

/** Before a bulk change: the columns the events compare with, per id. */
export async function stateOf<T extends Record<string, any>>(
  em: EntityManager,
  table: string,
  columns: string,
  ids: number[],
): Promise<Map<number, T>> {
  if (!ids.length) return new Map();
  const rows = await sql<T & { id: number }>(em, `select id, ${columns} from ${table} where id = any(?::int[])`, [
    intArrayLiteral(ids),
  ]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Clients handed to another responsable: timeline, notice to the new one, `client.updated`. */
export async function clientsReassigned(
  em: EntityManager,
  user: AuthUser,
  changed: number[],
  before: Map<number, { nom: string; responsable_id: number | null }>,
  vers: number,
): Promise<void> {
  if (!changed.length) return;
  const names = await userNames(em, [...changed.map((id) => before.get(id)?.responsable_id), vers]);
  await recordEvents(
    em,
    changed.map((id): EventRecord => {
      const de = before.get(id)?.responsable_id ?? null;
      return {
        type: 'client_responsable',
        client: id,
        auteur: user.id,
        resume: resumes.responsable(names, de, vers),
        donnees: { de, vers },
      };
    }),
  );
  await notifyMany(
    em,
    changed.map((id) => ({
      user: vers,
      actor: user.id,
      type: 'client_attribue' as const,
      message: `Le client « ${before.get(id)?.nom} » vous a été attribué`,
      lien: `/clients/${id}`,
    })),
  );
  await emitRows(em, 'client', ['updated'], changed);
}

/** Opportunités handed to another responsable. */
export async function opportunitesReassigned(
  em: EntityManager,
  user: AuthUser,
  changed: number[],
  before: Map<number, { nom: string; client_id: number; responsable_id: number | null }>,
  vers: number,
): Promise<void> {
  if (!changed.length) return;
  const names = await userNames(em, [...changed.map((id) => before.get(id)?.responsable_id), vers]);
  await recordEvents(
    em,
    changed.map((id): EventRecord => {
      const b = before.get(id)!;
      return {
        type: 'opportunite_responsable',
        client: b.client_id,
        opportunite: id,
        auteur: user.id,
        resume: `« ${b.nom} » — ${resumes.responsable(names, b.responsable_id, vers)}`,
        donnees: { de: b.responsable_id, vers },
      };
    }),
  );
  await emitRows(em, 'opportunite', ['updated'], changed);
}

/** Opportunités moved to another stage: the stage event of each (won / lost at conclusion), `updated` and `etape_changed`. */
export async function opportunitesMoved(
  em: EntityManager,
  user: AuthUser,
  moved: number[],
  before: Map<number, { nom: string; client_id: number; etape: Etape }>,
  etape: Etape,
  resultat: string | null,
): Promise<void> {
  if (!moved.length) return;
  await recordEvents(
    em,
    moved.map((id): EventRecord => {
      const b = before.get(id)!;
      const base = {
        client: b.client_id,
        opportunite: id,
        auteur: user.id,
        donnees: { de: b.etape, vers: etape, resultat },
      };
      if (etape === 'conclusion' && resultat === 'gagnee')
        return { ...base, type: 'opportunite_gagnee', resume: resumes.gagnee(b.nom) };
      if (etape === 'conclusion') return { ...base, type: 'opportunite_perdue', resume: resumes.perdue(b.nom, '') };
      return { ...base, type: 'opportunite_etape', resume: resumes.etape(b.nom, b.etape, etape) };
    }),
  );
  await emitRows(em, 'opportunite', ['updated', 'etape_changed'], moved, (id) => ({ etape: before.get(id)?.etape }));
}

interface TacheBefore {
  titre: string;
  client_id: number | null;
  statut: TacheStatut;
  assigne_a_id: number | null;
  date_echeance: string;
}

/** New tâches (`ajouter_tache`): `tache_creee` (with a client), the assignee's notice, `tache.created`. */
export async function tachesCreated(em: EntityManager, user: AuthUser, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const rows = await stateOf<TacheBefore>(em, 'taches', 'titre, client_id, statut, assigne_a_id, date_echeance', ids);
  await recordEvents(
    em,
    [...rows]
      .filter(([, t]) => t.client_id !== null)
      .map(([id, t]) => ({
        type: 'tache_creee' as const,
        client: t.client_id!,
        auteur: user.id,
        resume: resumes.tacheCreee(t.titre),
        donnees: { tache: id },
      })),
  );
  await notifyMany(
    em,
    [...rows].map(([id, t]) =>
      tacheAssigneeNotice(t.assigne_a_id, user.id, { id, titre: t.titre, echeance: t.date_echeance }),
    ),
  );
  await emitRows(em, 'tache', ['created'], ids);
}

/** Tâches reassigned: `tache_assignee` (with a client), the new assignee's notice, `tache.updated`. */
export async function tachesReassigned(
  em: EntityManager,
  user: AuthUser,
  changed: number[],
  before: Map<number, TacheBefore>,
  vers: number | null,
): Promise<void> {
  if (!changed.length) return;
  const names = await userNames(em, [vers]);
  await recordEvents(
    em,
    changed
      .filter((id) => before.get(id)?.client_id != null)
      .map((id): EventRecord => {
        const b = before.get(id)!;
        return {
          type: 'tache_assignee',
          client: b.client_id!,
          auteur: user.id,
          resume: resumes.tacheAssignee(names, b.titre, vers),
          donnees: { tache: id, de: b.assigne_a_id, vers },
        };
      }),
  );
  await notifyMany(
    em,
    changed
      .filter((id) => before.get(id)?.statut !== 'terminee')
      .map((id) => {
        const b = before.get(id)!;
        return tacheAssigneeNotice(vers, user.id, { id, titre: b.titre, echeance: b.date_echeance });
      }),
  );
  await emitRows(em, 'tache', ['updated'], changed);
}

/** Tâches moved to another statut: `tache_terminee` when done (with a client), `tache.updated`, `tache.completed`. */
export async function tachesMoved(
  em: EntityManager,
  user: AuthUser,
  moved: number[],
  before: Map<number, TacheBefore>,
  statut: TacheStatut,
): Promise<void> {
  if (!moved.length) return;
  if (statut === 'terminee') {
    await recordEvents(
      em,
      moved
        .filter((id) => before.get(id)?.client_id != null)
        .map((id) => ({
          type: 'tache_terminee' as const,
          client: before.get(id)!.client_id!,
          auteur: user.id,
          resume: resumes.tacheTerminee(before.get(id)!.titre),
          donnees: { tache: id },
        })),
    );
  }
  await emitRows(em, 'tache', statut === 'terminee' ? ['updated', 'completed'] : ['updated'], moved);
}

export const TACHE_BEFORE_COLUMNS = 'titre, client_id, statut, assigne_a_id, date_echeance';
