import { z } from 'zod';
import { COURRIEL_STATUTS, DEVIS_STATUTS } from './choices.js';
import { computeDevisTotals } from './devisTotals.js';
import {
  choice,
  hasAtMostTwoDecimals,
  id,
  idOut,
  MAX_MONEY_CENTS,
  money,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  positiveMoney,
  requiredText,
  timestamp,
} from './common.js';

export const DEVIS_ORDERING = ['dateCreation', 'montant', 'version'] as const;

export const devisLigne = z
  .object({
    designation: requiredText(300),
    quantite: z
      .number({ error: 'err.invalid' })
      .positive('err.invalid')
      .max(1_000_000, 'err.invalid')
      .refine((n) => Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-6, 'err.invalid'),
    prixUnitaire: money,
    tauxTva: z
      .number({ error: 'err.invalid' })
      .min(0, 'err.invalid')
      .max(100, 'err.invalid')
      .refine(hasAtMostTwoDecimals, 'err.invalid'),
  })
  .meta({
    id: 'DevisLigne',
    description: 'Ligne de devis (montants hors taxes, taux de TVA en %)',
    examples: [{ designation: 'Maquettes', quantite: 3, prixUnitaire: 450, tauxTva: 20 }],
  });
export type DevisLigneIn = z.infer<typeof devisLigne>;

export const devisFields = {
  opportunite: id,
  montant: positiveMoney.optional(),
  statut: choice(DEVIS_STATUTS).default('brouillon'),
  contenu: optionalText().default(''),
  lignes: z.array(devisLigne).max(500).nullable().optional(),
  /** Recipient of `envoyer`: a contact of the devis' client (else the client's own address). */
  contact: id.nullable().optional(),
};
/** Without lines, montant is required; with lines it is computed. */
const needsMontant = (v: { montant?: number; lignes?: DevisLigneIn[] | null }, ctx: z.RefinementCtx) => {
  if (v.montant === undefined && !v.lignes?.length)
    ctx.addIssue({ code: 'custom', path: ['montant'], message: 'err.required' });
};
/** Lines whose total (or its VAT) would not fit numeric(14,2): a 400 on `lignes`, not a database error. */
const totalsFit = (v: { lignes?: DevisLigneIn[] | null }, ctx: z.RefinementCtx) => {
  if (!v.lignes?.length) return;
  const { montantCents, tvaCents } = computeDevisTotals(v.lignes);
  if (montantCents > MAX_MONEY_CENTS || tvaCents > MAX_MONEY_CENTS)
    ctx.addIssue({ code: 'custom', path: ['lignes'], message: 'err.total_too_large' });
};
export const devisCreateInput = z
  .object(devisFields)
  .superRefine(needsMontant)
  .superRefine(totalsFit)
  .meta({ id: 'DevisCreate', description: 'Nouveau devis : `montant` obligatoire sans `lignes`, calculé avec' });
export const devisUpdateInput = z
  .object({ id, ...devisFields })
  .superRefine(needsMontant)
  .superRefine(totalsFit)
  .meta({ id: 'DevisUpdate', description: 'Devis complet (PUT)' });
export const devisPatchInput = z
  .object({ id, ...partialOf(devisFields) })
  .superRefine(totalsFit)
  .meta({ id: 'DevisPatch', description: 'Champs du devis à modifier (PATCH)' });

export const devisListFilters = {
  statut: choice(DEVIS_STATUTS).describe('Statut exact').optional(),
  opportunite: id.describe("Id de l'opportunité").optional(),
};
export const devisListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(DEVIS_ORDERING),
  ...devisListFilters,
});
/** `GET /opportunites/{id}/devis/`: the same filters, under a parent opportunity. */
export const devisSubListInput = devisListInput.extend({ id });

/** Delivery of the devis' latest e-mail (outbox), or null when it was never sent. */
export const courrielSuivi = z.object({
  statut: z.enum(COURRIEL_STATUTS),
  tentatives: z.number().int(),
  derniereErreur: z.string().nullable(),
});

export const devisOutput = z
  .object({
    id: idOut,
    numero: z.string().describe('D<année>-<5 chiffres>, commun aux versions (affiché « D2026-00007 v3 »)'),
    opportunite: idOut,
    opportuniteNom: z.string(),
    client: idOut,
    clientNom: z.string(),
    montant: z.number().gt(0).describe('Montant hors taxes'),
    montantTva: z.number(),
    montantTtc: z.number(),
    statut: z.enum(DEVIS_STATUTS),
    version: z.number().int(),
    contenu: z.string(),
    lignes: z.array(devisLigne).nullable(),
    contact: z.number().int().nullable(),
    contactNom: z.string().nullable(),
    dateEnvoi: timestamp.nullable(),
    dateConsultation: timestamp.nullable(),
    dateReponse: timestamp.nullable(),
    signataire: z.string().nullable(),
    courriel: courrielSuivi.nullable(),
    dateCreation: timestamp,
    dateModification: timestamp,
  })
  .meta({
    id: 'Devis',
    description: 'Devis (une version)',
    examples: [
      {
        id: 5,
        opportunite: 31,
        opportuniteNom: 'Site vitrine',
        client: 12,
        clientNom: 'Dupont',
        montant: 1350,
        montantTva: 270,
        montantTtc: 1620,
        statut: 'brouillon',
        version: 1,
        numero: 'D2026-00005',
        contenu: 'Refonte du site vitrine',
        contact: null,
        contactNom: null,
        lignes: [{ designation: 'Maquettes', quantite: 3, prixUnitaire: 450, tauxTva: 20 }],
        dateEnvoi: null,
        dateConsultation: null,
        dateReponse: null,
        signataire: null,
        courriel: null,
        dateCreation: '2026-03-01T10:00:00Z',
        dateModification: '2026-03-01T10:00:00Z',
      },
    ],
  });
export type DevisOut = z.infer<typeof devisOutput>;
