import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { Client } from './Client.js';

export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contacts',
  properties: {
    id: p.integer().primary(),
    client: () => p.manyToOne(Client).fieldName('client_id').mapToPk().deleteRule('cascade'),
    prenom: p.string().length(100).default(''),
    nom: p.string().length(100),
    fonction: p.string().length(100).default(''),
    email: p.string().length(254).nullable(),
    telephone: p.string().length(20).default(''),
    principal: p.boolean().default(false),
    notes: p.text().default(''),
    ...timestamps,
  },
});
export type Contact = InferEntity<typeof Contact>;
