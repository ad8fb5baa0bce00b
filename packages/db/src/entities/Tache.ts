import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { Client } from './Client.js';
import { Projet } from './Projet.js';
import { User } from './User.js';

export const Tache = defineEntity({
  name: 'Tache',
  tableName: 'taches',
  properties: {
    id: p.integer().primary(),
    titre: p.string().length(200),
    description: p.text().default(''),
    assigneA: () => p.manyToOne(User).fieldName('assigne_a_id').mapToPk().nullable().deleteRule('no action'),
    client: () => p.manyToOne(Client).fieldName('client_id').mapToPk().nullable().deleteRule('no action'),
    projet: () => p.manyToOne(Projet).fieldName('projet_id').mapToPk().nullable().deleteRule('no action'),
    priorite: p.string().length(10),
    dateEcheance: p.date().fieldName('date_echeance'),
    statut: p.string().length(20).default('a_faire'),
    position: p.integer().default(0),
    dateTerminee: p.datetime().fieldName('date_terminee').nullable(),
    ...timestamps,
  },
});
export type Tache = InferEntity<typeof Tache>;
