import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { Client } from './Client.js';
import { User } from './User.js';

export const Opportunite = defineEntity({
  name: 'Opportunite',
  tableName: 'opportunites',
  properties: {
    id: p.integer().primary(),
    nom: p.string().length(200),
    client: () => p.manyToOne(Client).fieldName('client_id').mapToPk(),
    responsable: () => p.manyToOne(User).fieldName('responsable_id').mapToPk().nullable().deleteRule('no action'),
    montant: p.decimal().precision(14).scale(2).default('0'),
    probabilite: p.smallint().default(0),
    etape: p.string().length(20).default('prospect'),
    resultat: p.string().length(10).nullable(),
    motifPerte: p.text().fieldName('motif_perte').default(''),
    position: p.integer().default(0),
    dateConclusionEstimee: p.date().fieldName('date_conclusion_estimee').nullable(),
    dateConclusion: p.datetime().fieldName('date_conclusion').nullable(),
    notes: p.text().default(''),
    ...timestamps,
  },
});
export type Opportunite = InferEntity<typeof Opportunite>;
