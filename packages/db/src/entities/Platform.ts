import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './User.js';

/** An API key (`Authorization: Bearer crm_…`): acts as `user` within `scopes`; the secret is stored hashed. */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'cles_api',
  properties: {
    id: p.integer().primary(),
    nom: p.string().length(100),
    prefixe: p.string().length(16),
    hash: p.string().length(64).unique(),
    scopes: p.array(),
    user: () => p.manyToOne(User).mapToPk(),
    creePar: () => p.manyToOne(User).mapToPk(),
    expireLe: p.datetime().nullable(),
    derniereUtilisation: p.datetime().nullable(),
    derniereIp: p.string().length(64).default(''),
    revoqueeLe: p.datetime().nullable(),
    dateCreation: p.datetime().onCreate(() => new Date()),
  },
});
export type ApiKey = InferEntity<typeof ApiKey>;

/** A user's secret calendar feed URL (`/api/calendrier/{token}.ics`), stored hashed; one per user. */
export const CalendarFeed = defineEntity({
  name: 'CalendarFeed',
  tableName: 'calendriers',
  properties: {
    user: () => p.oneToOne(User).primary().mapToPk().owner(),
    hash: p.string().length(64).unique(),
    dateCreation: p.datetime().onCreate(() => new Date()),
  },
});
export type CalendarFeed = InferEntity<typeof CalendarFeed>;

/** Instance settings an admin changes at run time (e.g. whether users may create their own API keys). */
export const Setting = defineEntity({
  name: 'Setting',
  tableName: 'parametres',
  properties: {
    cle: p.string().length(60).primary(),
    valeur: p.json<unknown>(),
  },
});
export type Setting = InferEntity<typeof Setting>;
