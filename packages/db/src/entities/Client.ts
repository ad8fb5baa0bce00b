import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { User } from './User.js';

export const Client = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    id: p.integer().primary(),
    nom: p.string().length(200),
    societe: p.string().length(200).default(''),
    email: p.string().length(254).nullable(),
    telephone: p.string().length(20).default(''),
    notes: p.text().default(''),
    categorie: p.string().length(50).default(''),
    responsable: () => p.manyToOne(User).fieldName('responsable_id').mapToPk().nullable().deleteRule('no action'),
    ...timestamps,
  },
});
export type Client = InferEntity<typeof Client>;
