import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { Client } from './Client.js';
import { Contact } from './Contact.js';
import { Opportunite } from './Opportunite.js';
import { Projet } from './Projet.js';
import { User } from './User.js';

export const Activite = defineEntity({
  name: 'Activite',
  tableName: 'activites',
  properties: {
    id: p.integer().primary(),
    type: p.string().length(20),
    sujet: p.string().length(200),
    contenu: p.text().default(''),
    date: p.datetime(),
    auteur: () => p.manyToOne(User).fieldName('auteur_id').mapToPk().nullable(),
    client: () => p.manyToOne(Client).fieldName('client_id').mapToPk().deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).fieldName('contact_id').mapToPk().nullable(),
    opportunite: () => p.manyToOne(Opportunite).fieldName('opportunite_id').mapToPk().nullable(),
    projet: () => p.manyToOne(Projet).fieldName('projet_id').mapToPk().nullable(),
    ...timestamps,
  },
});
export type Activite = InferEntity<typeof Activite>;
