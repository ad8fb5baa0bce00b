import { z } from 'zod';
import { ETAPES, RESULTATS } from './choices.js';
import {
  choice,
  id,
  idOut,
  dateOut,
  isoDate,
  money,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  requiredText,
  timestamp,
} from './common.js';

export const OPPORTUNITE_ORDERING = [
  'nom',
  'montant',
  'probabilite',
  'dateConclusionEstimee',
  'dateCreation',
  'position',
] as const;

export const probabilite = z
  .number({ error: 'err.probabilite' })
  .int('err.probabilite')
  .min(0, 'err.probabilite')
  .max(100, 'err.probabilite');

export const opportuniteFields = {
  nom: requiredText(200),
  client: id,
  responsable: id.nullable().optional(),
  montant: money.default(0),
  probabilite: probabilite.default(0),
  etape: choice(ETAPES).default('prospect'),
  resultat: choice(RESULTATS).nullable().default(null),
  motifPerte: optionalText().default(''),
  position: z.number({ error: 'err.integer' }).int('err.integer').min(0, 'err.integer').optional(),
  /** Kanban placement (with position, one of): just before / just after that card of the target column. */
  avant: id.optional(),
  apres: id.optional(),
  dateConclusionEstimee: isoDate.nullable().default(null),
  notes: optionalText().default(''),
};
export const opportuniteCreateInput = z
  .object(opportuniteFields)
  .meta({ id: 'OpportuniteCreate', description: 'Nouvelle opportunité' });
export const opportuniteUpdateInput = z
  .object({ id, ...opportuniteFields })
  .meta({ id: 'OpportuniteUpdate', description: 'Opportunité complète (PUT)' });
export const opportunitePatchInput = z.object({ id, ...partialOf(opportuniteFields) }).meta({
  id: 'OpportunitePatch',
  description: "Champs de l'opportunité à modifier (PATCH) ; déplacement kanban par etape et position",
});
export const avancerEtapeInput = z
  .object({
    id,
    resultat: choice(RESULTATS).describe('Obligatoire pour passer à `conclusion`').optional(),
    motifPerte: optionalText().describe('Motif de la perte (résultat `perdue`)').optional(),
  })
  .meta({ id: 'AvancerEtape', description: 'Corps facultatif, sauf pour passer à `conclusion`' });

export const opportuniteListFilters = {
  etape: choice(ETAPES).describe('Étape exacte').optional(),
  client: id.describe('Id du client').optional(),
  responsable: id.describe('Id du commercial responsable').optional(),
  resultat: choice(RESULTATS).describe('Résultat (à la conclusion)').optional(),
  montantMin: money.describe('Montant minimal (inclus)').optional(),
  montantMax: money.describe('Montant maximal (inclus)').optional(),
  conclusionApres: isoDate
    .describe(
      "Conclue au plus tôt ce jour (inclus, UTC) : passée à l'étape `conclusion` ce jour-là ou après ; les opportunités ouvertes sont exclues",
    )
    .optional(),
};
export const opportuniteListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(OPPORTUNITE_ORDERING),
  ...opportuniteListFilters,
});
/** `GET /clients/{id}/opportunites/`: the same filters, under a parent client. */
export const opportuniteSubListInput = opportuniteListInput.extend({ id });

export const opportuniteOutput = z
  .object({
    id: idOut,
    nom: z.string(),
    client: idOut,
    clientNom: z.string(),
    responsable: idOut.nullable(),
    responsableNom: z.string().nullable(),
    montant: z.number(),
    probabilite: z.number().int(),
    etape: z.enum(ETAPES),
    resultat: z.enum(RESULTATS).nullable(),
    motifPerte: z.string(),
    position: z.number().int(),
    dateConclusionEstimee: dateOut.nullable(),
    notes: z.string(),
    valeurPonderee: z.number().describe('montant × probabilite / 100'),
    devisActif: idOut.nullable().describe('Id de la version la plus récente non refusée du devis, ou null'),
    dateCreation: timestamp,
    dateModification: timestamp,
  })
  .meta({
    id: 'Opportunite',
    description: 'Opportunité commerciale (carte du kanban)',
    examples: [
      {
        id: 31,
        nom: 'Site vitrine',
        client: 12,
        clientNom: 'Dupont',
        responsable: 3,
        responsableNom: 'Paul Martin',
        montant: 8000,
        probabilite: 40,
        etape: 'proposition',
        resultat: null,
        motifPerte: '',
        position: 2000,
        dateConclusionEstimee: '2026-05-15',
        notes: '',
        valeurPonderee: 3200,
        devisActif: 5,
        dateCreation: '2026-02-10T09:00:00Z',
        dateModification: '2026-03-01T16:45:00Z',
      },
    ],
  });
export type OpportuniteOut = z.infer<typeof opportuniteOutput>;

/** `GET /opportunites/colonnes/`: the list's search and filters. */
export const opportuniteColonnesInput = z.object({ search: paginationQuery.search, ...opportuniteListFilters });
const resultatTotal = z.object({ nombre: z.number().int(), montant: z.number() });
/** Per stage (every stage, pipeline order): montantPondere of open deals; conclusion split into gagnees / perdues. */
export const opportuniteColonneOutput = z.object({
  etape: z.enum(ETAPES),
  nombre: z.number().int(),
  montant: z.number(),
  montantPondere: z.number(),
  gagnees: resultatTotal.optional(),
  perdues: resultatTotal.optional(),
});
export type OpportuniteColonneOut = z.infer<typeof opportuniteColonneOutput>;
