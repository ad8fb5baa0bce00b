import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';
import { Opportunite } from './Opportunite.js';
import { Contact } from './Contact.js';

export interface DevisLigne {
  designation: string;
  quantite: number;
  prixUnitaire: number;
  tauxTva: number;
}

export const Devis = defineEntity({
  name: 'Devis',
  tableName: 'devis',
  properties: {
    id: p.integer().primary(),
    opportunite: () => p.manyToOne(Opportunite).fieldName('opportunite_id').mapToPk(),
    montant: p.decimal().precision(14).scale(2),
    montantTva: p.decimal().precision(14).scale(2).fieldName('montant_tva').default('0'),
    statut: p.string().length(20).default('brouillon'),
    version: p.integer(),
    contenu: p.text().default(''),
    lignes: p.json<DevisLigne[]>().nullable(),
    contact: () => p.manyToOne(Contact).fieldName('contact_id').mapToPk().nullable(),
    dateEnvoi: p.datetime().fieldName('date_envoi').nullable(),
    ...timestamps,
  },
});
export type Devis = InferEntity<typeof Devis>;
