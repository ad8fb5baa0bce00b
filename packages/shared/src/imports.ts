import { z } from 'zod';
import { choice, count, id, idOut, paginationQuery, timestamp } from './common.js';

/**
 * Imports (`POST /api/imports/`, then `GET /api/imports/{id}/`, `PATCH` to change the mapping,
 * `POST /api/imports/{id}/valider/`, `GET /api/imports/{id}/rejets/`): clients (with a contact),
 * opportunités and tâches from a CSV or XLSX file.
 */
export const IMPORT_RESSOURCES = ['clients', 'opportunites', 'taches'] as const;
export type ImportRessource = (typeof IMPORT_RESSOURCES)[number];
/** `analyse`: the file is stored, its rows are being checked in the background; `pret`: preview ready, to validate. */
export const IMPORT_STATUTS = ['analyse', 'pret', 'en_file', 'en_cours', 'termine', 'echoue'] as const;
export type ImportStatut = (typeof IMPORT_STATUTS)[number];
/** What to do with a row that duplicates an existing record or an earlier row of the file. */
export const IMPORT_POLITIQUES = ['ignorer', 'mettre_a_jour', 'creer'] as const;
export type ImportPolitique = (typeof IMPORT_POLITIQUES)[number];
/** All or nothing, or the valid rows only. */
export const IMPORT_MODES = ['tout_ou_rien', 'valides'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** Largest file accepted (bytes) and most data rows. */
export const IMPORT_MAX_OCTETS = 20 * 1024 * 1024;
export const IMPORT_MAX_LIGNES = 100_000;
/** Rows shown in the preview. */
export const IMPORT_APERCU_LIGNES = 20;

export const IMPORT_LABELS = {
  ressource: { clients: 'Clients', opportunites: 'Opportunités', taches: 'Tâches' },
  statut: {
    analyse: 'Analyse en cours',
    pret: 'À valider',
    en_file: 'En attente',
    en_cours: 'En cours',
    termine: 'Terminé',
    echoue: 'Échoué',
  },
  politique: { ignorer: 'Ignorer les doublons', mettre_a_jour: 'Mettre à jour l’existant', creer: 'Créer quand même' },
  mode: { tout_ou_rien: 'Tout ou rien', valides: 'Seulement les lignes valides' },
} as const satisfies Record<string, Record<string, string>>;

export type ImportChampType =
  | 'texte'
  | 'email'
  | 'telephone'
  | 'montant'
  | 'entier'
  | 'date'
  | 'choix'
  | 'client'
  | 'projet'
  | 'utilisateur';

export interface ImportChamp {
  code: string;
  libelle: string;
  type: ImportChampType;
  obligatoire: boolean;
  /** Other header names recognised for this field (French and English), besides the code and the label. */
  synonymes: string[];
}

const champ = (
  code: string,
  libelle: string,
  type: ImportChampType,
  synonymes: string[],
  obligatoire = false,
): ImportChamp => ({
  code,
  libelle,
  type,
  obligatoire,
  synonymes,
});

/** The fields a column can be mapped to, per resource. Contact columns on a client row create or attach its contact. */
export const IMPORT_CHAMPS: Record<ImportRessource, ImportChamp[]> = {
  clients: [
    champ(
      'nom',
      'Nom',
      'texte',
      ['name', 'nom du client', 'client', 'customer', 'customer name', 'account name', 'nom client'],
      true,
    ),
    champ('societe', 'Société', 'texte', [
      'entreprise',
      'company',
      'organisation',
      'organization',
      'raison sociale',
      'company name',
      'societe',
    ]),
    champ('email', 'E-mail', 'email', [
      'email',
      'e mail',
      'mail',
      'courriel',
      'adresse e-mail',
      'adresse email',
      'email address',
    ]),
    champ('telephone', 'Téléphone', 'telephone', [
      'tel',
      'tél',
      'phone',
      'phone number',
      'telephone',
      'numero de telephone',
      'portable',
      'mobile',
      'fixe',
    ]),
    champ('categorie', 'Catégorie', 'texte', ['category', 'segment', 'type']),
    champ('notes', 'Notes', 'texte', [
      'note',
      'commentaire',
      'commentaires',
      'remarques',
      'comments',
      'comment',
      'description',
    ]),
    champ('responsable', 'Responsable', 'utilisateur', ['commercial', 'owner', 'account owner', 'sales rep']),
    champ('contactPrenom', 'Prénom du contact', 'texte', [
      'prenom',
      'prénom',
      'first name',
      'firstname',
      'contact first name',
      'prenom contact',
      'prénom contact',
    ]),
    champ('contactNom', 'Nom du contact', 'texte', [
      'contact',
      'last name',
      'lastname',
      'contact name',
      'contact last name',
      'nom contact',
      'interlocuteur',
    ]),
    champ('contactEmail', 'E-mail du contact', 'email', [
      'contact email',
      'email contact',
      'e-mail contact',
      'courriel du contact',
    ]),
    champ('contactTelephone', 'Téléphone du contact', 'telephone', [
      'contact phone',
      'telephone contact',
      'téléphone contact',
      'tel contact',
    ]),
    champ('contactFonction', 'Fonction du contact', 'texte', [
      'fonction',
      'poste',
      'job title',
      'title',
      'contact title',
      'role',
    ]),
  ],
  opportunites: [
    champ(
      'nom',
      'Nom',
      'texte',
      [
        'name',
        'opportunite',
        'opportunité',
        'opportunity',
        'deal',
        'deal name',
        'intitule',
        'intitulé',
        'titre',
        'title',
      ],
      true,
    ),
    champ(
      'client',
      'Client',
      'client',
      ['compte', 'account', 'customer', 'company', 'societe', 'société', 'client id', 'id client'],
      true,
    ),
    champ('montant', 'Montant', 'montant', ['amount', 'valeur', 'value', 'montant ht', 'montant (€)', 'montant eur']),
    champ('probabilite', 'Probabilité', 'entier', ['probability', 'proba', 'probabilite (%)', 'probabilité (%)', '%']),
    champ('etape', 'Étape', 'choix', ['stage', 'phase', 'deal stage', 'statut', 'status']),
    champ('resultat', 'Résultat', 'choix', [
      'result',
      'outcome',
      'issue',
      'gagnee ou perdue',
      'won or lost',
      'won/lost',
    ]),
    champ('motifPerte', 'Motif de perte', 'texte', [
      'motif',
      'motif perte',
      'motif de la perte',
      'raison de la perte',
      'lost reason',
      'loss reason',
      'reason lost',
    ]),
    champ('dateConclusionEstimee', 'Date de conclusion estimée', 'date', [
      'date de conclusion',
      'conclusion',
      'close date',
      'expected close date',
      'closing date',
      'date de cloture',
      'date de clôture',
    ]),
    champ('notes', 'Notes', 'texte', ['note', 'commentaire', 'commentaires', 'remarques', 'comments', 'description']),
    champ('responsable', 'Responsable', 'utilisateur', ['commercial', 'owner', 'deal owner', 'sales rep']),
  ],
  taches: [
    champ(
      'titre',
      'Titre',
      'texte',
      ['tache', 'tâche', 'intitule', 'intitulé', 'sujet', 'title', 'task', 'subject', 'name', 'nom'],
      true,
    ),
    champ('description', 'Description', 'texte', ['details', 'détails', 'notes', 'note', 'commentaire']),
    champ('priorite', 'Priorité', 'choix', ['priority', 'urgence'], true),
    champ(
      'dateEcheance',
      'Échéance',
      'date',
      ['date d echeance', "date d'échéance", 'date echeance', 'due date', 'due', 'deadline', 'date limite', 'date'],
      true,
    ),
    champ('statut', 'Statut', 'choix', ['status', 'etat', 'état']),
    champ('client', 'Client', 'client', [
      'compte',
      'account',
      'customer',
      'company',
      'societe',
      'société',
      'client id',
      'id client',
    ]),
    champ('projet', 'Projet', 'projet', [
      'project',
      'projet id',
      'id projet',
      'project id',
      'nom du projet',
      'project name',
    ]),
    champ('assigneA', 'Assignée à', 'utilisateur', [
      'assigne a',
      'assigné à',
      'assignee',
      'assigned to',
      'owner',
      'responsable',
    ]),
  ],
};

export const importRessource = z.enum(IMPORT_RESSOURCES, { error: 'err.choice' });

/** A column's field (`null`: ignored), one per column of the file, in the file's order. */
export const importMapping = z
  .array(z.string({ error: 'err.choice' }).max(40, 'err.choice').nullable(), { error: 'err.invalid' })
  .max(200, 'err.invalid')
  .describe('Champ de chaque colonne du fichier, dans l’ordre des colonnes (`null` : colonne ignorée)');

export const importPatchInput = z
  .object({ id, mapping: importMapping })
  .meta({ id: 'ImportPatch', description: 'Nouvelle correspondance des colonnes (l’analyse est refaite)' });

export const importValiderInput = z
  .object({
    id,
    mapping: importMapping.optional(),
    doublons: z
      .enum(IMPORT_POLITIQUES, { error: 'err.choice' })
      .default('ignorer')
      .describe('Doublons : `ignorer`, `mettre_a_jour` l’existant, ou `creer` quand même'),
    mode: z
      .enum(IMPORT_MODES, { error: 'err.choice' })
      .default('tout_ou_rien')
      .describe('`tout_ou_rien` (une ligne invalide : rien n’est écrit) ou `valides` (seulement les lignes valides)'),
  })
  .meta({ id: 'ImportValider', description: 'Lancement de l’import' });

export const importListInput = z.object({
  ...paginationQuery,
  ressource: choice(IMPORT_RESSOURCES).describe('Ressource importée : clients, opportunites ou taches').optional(),
  statut: choice(IMPORT_STATUTS).describe('État : analyse, pret, en_file, en_cours, termine ou echoue').optional(),
});

const doublon = z
  .object({
    source: z
      .enum(['fichier', 'base'])
      .describe('`fichier` : une ligne précédente du fichier ; `base` : un enregistrement existant'),
    cle: z
      .enum(['email', 'telephone', 'nom'])
      .describe(
        'Ce qui est identique : e-mail, téléphone normalisé, ou nom (et société, ou client) sans accents ni casse',
      ),
    ligne: z.number().int().nullable().describe('Ligne du fichier dupliquée (source `fichier`)'),
    id: idOut.nullable().describe('Enregistrement existant (source `base`)'),
  })
  .meta({ id: 'ImportDoublon' });

export const importLigneOutput = z
  .object({
    ligne: z.number().int().min(2).describe('Numéro de ligne dans le fichier (l’en-tête est la ligne 1)'),
    cellules: z.array(z.string()).describe('Valeurs brutes, une par colonne'),
    erreurs: z.record(z.string(), z.array(z.string())).describe('Messages par champ en cause'),
    doublon: doublon.nullable(),
  })
  .meta({ id: 'ImportLigne' });

const importAnalyse = z
  .object({ lignes: count, valides: count, invalides: count, doublonsFichier: count, doublonsBase: count })
  .describe('Comptes de la dernière analyse (au statut `analyse` : le nombre de lignes du fichier, les autres à zéro)');
const importProgression = z
  .object({ faits: count, total: count, pourcentage: z.number().int().min(0).max(100) })
  .describe('Lignes traitées par l’import en cours');
const importResultat = z.object({ crees: count, misAJour: count, ignores: count, rejetes: count });
const statutDescription =
  '`analyse` (fichier reçu, lignes en cours de vérification), `pret` (à valider), `en_file`, `en_cours`, `termine`, `echoue`';

/** What every import answer says: its file, state, counts, progress and result. */
const importCommon = {
  id: idOut,
  ressource: z.enum(IMPORT_RESSOURCES),
  statut: z.enum(IMPORT_STATUTS).describe(statutDescription),
  nomFichier: z.string(),
  format: z.enum(['csv', 'xlsx']),
  creePar: idOut,
  analyse: importAnalyse,
  progression: importProgression,
  resultat: importResultat,
  erreur: z.string().nullable(),
  rapportRejets: z.string().nullable().describe('Chemin du rapport CSV des lignes rejetées, quand il y en a'),
  dateCreation: timestamp,
  dateDebut: timestamp.nullable(),
  dateFin: timestamp.nullable(),
};

export const importOutput = z
  .object({
    ...importCommon,
    encodage: z.string().nullable().describe('Encodage détecté (CSV) : `utf-8` ou `windows-1252`'),
    separateur: z.string().nullable().describe('Séparateur détecté (CSV)'),
    colonnes: z.array(
      z.object({
        index: z.number().int().min(0),
        entete: z.string(),
        champ: z.string().nullable().describe('Champ associé (null : colonne ignorée)'),
        champPropose: z.string().nullable().describe('Champ reconnu d’après l’en-tête'),
      }),
    ),
    champs: z
      .array(z.object({ code: z.string(), libelle: z.string(), obligatoire: z.boolean() }))
      .describe('Champs possibles de la ressource'),
    erreursMapping: z
      .array(z.string())
      .describe('Problèmes de la correspondance (champ obligatoire absent…) : à corriger avant de valider'),
    apercu: z
      .array(importLigneOutput)
      .describe('Premières lignes, avec leurs erreurs et doublons (vide tant que le statut est `analyse`)'),
    doublons: z.enum(IMPORT_POLITIQUES),
    mode: z.enum(IMPORT_MODES),
  })
  .meta({
    id: 'Import',
    description: 'Un import de fichier : correspondance des colonnes, aperçu, doublons, progression et résultat',
  });
export type ImportOut = z.infer<typeof importOutput>;
export type ImportLigneOut = z.infer<typeof importLigneOutput>;

/** An import in the list (`GET /api/imports/`): no columns nor preview, the author's name. */
export const importResumeOutput = z
  .object({ ...importCommon, creeParNom: z.string().describe('Nom de l’auteur de l’import') })
  .meta({
    id: 'ImportResume',
    description: 'Un import dans la liste : fichier, état, comptes, progression et résultat',
    examples: [
      {
        id: 3,
        ressource: 'clients',
        statut: 'termine',
        nomFichier: 'clients.csv',
        format: 'csv',
        creePar: 2,
        creeParNom: 'Marie Martin',
        analyse: { lignes: 120, valides: 118, invalides: 2, doublonsFichier: 1, doublonsBase: 4 },
        progression: { faits: 120, total: 120, pourcentage: 100 },
        resultat: { crees: 113, misAJour: 0, ignores: 5, rejetes: 2 },
        erreur: null,
        rapportRejets: '/api/imports/3/rejets/',
        dateCreation: '2026-03-31T09:30:00Z',
        dateDebut: '2026-03-31T09:31:02Z',
        dateFin: '2026-03-31T09:31:04Z',
      },
    ],
  });
export type ImportResumeOut = z.infer<typeof importResumeOutput>;
