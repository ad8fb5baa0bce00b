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
    hash: p.string().length(64).columnType('char(64)').unique(),
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
    user: () => p.oneToOne(User).primary().mapToPk().owner().deleteRule('no action'),
    hash: p.string().length(64).columnType('char(64)').unique(),
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

/** A webhook subscription (admin): events POSTed to `url`, signed with `secret` (Standard Webhooks). */
export const Webhook = defineEntity({
  name: 'Webhook',
  tableName: 'webhooks',
  properties: {
    id: p.integer().primary(),
    url: p.string().length(2000),
    description: p.string().length(200).default(''),
    evenements: p.array(),
    secret: p.string().length(100),
    actif: p.boolean().default(true),
    echecsConsecutifs: p.integer().default(0),
    desactiveLe: p.datetime().nullable(),
    creePar: () => p.manyToOne(User).mapToPk(),
    dateCreation: p.datetime().onCreate(() => new Date()),
    dateModification: p.datetime().onCreate(() => new Date()),
  },
});
export type Webhook = InferEntity<typeof Webhook>;

/** One message to one webhook and its delivery state (the delivery log). */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_livraisons',
  properties: {
    id: p.bigint('number').primary(),
    webhook: () => p.manyToOne(Webhook).mapToPk().deleteRule('cascade'),
    messageId: p.string().length(40),
    evenement: p.string().length(60),
    cle: p.string().length(60),
    payload: p.json<Record<string, unknown>>(),
    statut: p.string().length(12).default('en_attente'),
    tentatives: p.integer().default(0),
    codeHttp: p.integer().nullable(),
    derniereErreur: p.string().length(500).default(''),
    prochainEssai: p.datetime().onCreate(() => new Date()),
    verrou: p.datetime().nullable(),
    dateLivraison: p.datetime().nullable(),
    dateCreation: p.datetime().onCreate(() => new Date()),
  },
});
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;
