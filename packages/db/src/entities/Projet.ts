import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { Client } from './Client.js';
import { Devis } from './Devis.js';

export const Projet = defineEntity({
  name: 'Projet',
  tableName: 'projets',
  properties: {
    id: p.integer().primary(),
    titre: p.string().length(200),
    description: p.text().default(''),
    statut: p.string().length(20).default('a_faire'),
    dateDebut: p.date().fieldName('date_debut').nullable(),
    dateFin: p.date().fieldName('date_fin').nullable(),
    budget: p.decimal().precision(14).scale(2).nullable(),
    devisAssocie: () => p.manyToOne(Devis).fieldName('devis_associe_id').mapToPk().nullable(),
    client: () => p.manyToOne(Client).fieldName('client_id').mapToPk(),
    ...timestamps,
  },
});
export type Projet = InferEntity<typeof Projet>;
