import type { EntityManager } from '@crm/db';
import {
  clientListInput,
  devisListInput,
  LABELS,
  opportuniteListInput,
  projetListInput,
  tacheListInput,
  userListInput,
  type ClientOut,
  type DevisOut,
  type OpportuniteOut,
  type ProjetOut,
  type TacheOut,
  type UserOut,
} from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { notFound } from '../lib/errors.js';
import type { Cell, ReportColumn } from '../lib/exports.js';
import { sqlOne } from '../lib/sql/runner.js';
import type { Where } from '../lib/sql/where.js';
import { CLIENT_RESOURCE, clientFilters } from './clients/queries.js';
import { DEVIS_RESOURCE, devisFilters, devisOfOpportunite } from './devis/queries.js';
import { type Resource, streamResource } from './listing.js';
import { OPPORTUNITE_RESOURCE, opportuniteFilters, opportunitesOfClient } from './opportunites/queries.js';
import { PROJET_RESOURCE, projetFilters, projetsOfClient } from './projets/queries.js';
import { TACHE_RESOURCE, tacheFilters, tachesOfClient, tachesOfProjet } from './taches/queries.js';
import { USER_RESOURCE, userFilters } from './users/queries.js';

/**
 * Exports of list screens (`<list path>export/?format=csv|xlsx` + the list's query parameters):
 * every matching row, in the list's order, with the columns a person sees (labels, not codes),
 * read through the list's own resource description and filters (see streamResource).
 */

const col = (key: string, label: string, type: ReportColumn['type'] = 'text', weight = 1): ReportColumn => ({
  key,
  label,
  type,
  weight,
});
const ouiNon = (b: boolean) => (b ? 'oui' : 'non');
/** `2026-12-06T14:03:00.000Z` → `2026-12-06 14:03` (UTC). */
const stamp = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : null);

interface ExportKind<T> {
  titre: string;
  /** API-key scope family of the rows (`clients:lecture`…). */
  family: string;
  resource: Resource<T>;
  colonnes: ReportColumn[];
  row: (o: T) => Record<string, Cell>;
}

const CLIENTS: ExportKind<ClientOut> = {
  titre: 'Clients',
  family: 'clients',
  resource: CLIENT_RESOURCE,
  colonnes: [
    col('id', 'N°', 'int', 0.5),
    col('nom', 'Nom', 'text', 2),
    col('societe', 'Société', 'text', 2),
    col('email', 'E-mail', 'text', 2),
    col('telephone', 'Téléphone'),
    col('categorie', 'Catégorie'),
    col('responsable', 'Responsable', 'text', 1.5),
    col('notes', 'Notes', 'text', 2),
    col('dateCreation', 'Créé le'),
    col('dateModification', 'Modifié le'),
  ],
  row: (c) => ({
    id: c.id,
    nom: c.nom,
    societe: c.societe,
    email: c.email,
    telephone: c.telephone,
    categorie: c.categorie,
    responsable: c.responsableNom,
    notes: c.notes,
    dateCreation: stamp(c.dateCreation),
    dateModification: stamp(c.dateModification),
  }),
};

const PROJETS: ExportKind<ProjetOut> = {
  titre: 'Projets',
  family: 'projets',
  resource: PROJET_RESOURCE,
  colonnes: [
    col('id', 'N°', 'int', 0.5),
    col('titre', 'Titre', 'text', 2),
    col('client', 'Client', 'text', 2),
    col('statut', 'Statut'),
    col('dateDebut', 'Début'),
    col('dateFin', 'Fin'),
    col('duree', 'Durée (jours)', 'int'),
    col('budget', 'Budget', 'money'),
    col('enRetard', 'En retard'),
    col('description', 'Description', 'text', 2),
    col('dateCreation', 'Créé le'),
  ],
  row: (p) => ({
    id: p.id,
    titre: p.titre,
    client: p.clientNom,
    statut: LABELS.projetStatut[p.statut],
    dateDebut: p.dateDebut,
    dateFin: p.dateFin,
    duree: p.duree,
    budget: p.budget,
    enRetard: ouiNon(p.enRetard),
    description: p.description,
    dateCreation: stamp(p.dateCreation),
  }),
};

const OPPORTUNITES: ExportKind<OpportuniteOut> = {
  titre: 'Opportunités',
  family: 'opportunites',
  resource: OPPORTUNITE_RESOURCE,
  colonnes: [
    col('id', 'N°', 'int', 0.5),
    col('nom', 'Nom', 'text', 2),
    col('client', 'Client', 'text', 2),
    col('responsable', 'Responsable', 'text', 1.5),
    col('etape', 'Étape'),
    col('resultat', 'Résultat'),
    col('montant', 'Montant', 'money'),
    col('probabilite', 'Probabilité (%)', 'int'),
    col('valeurPonderee', 'Valeur pondérée', 'money'),
    col('dateConclusionEstimee', 'Conclusion estimée'),
    col('motifPerte', 'Motif de perte', 'text', 1.5),
    col('notes', 'Notes', 'text', 2),
    col('dateCreation', 'Créée le'),
  ],
  row: (o) => ({
    id: o.id,
    nom: o.nom,
    client: o.clientNom,
    responsable: o.responsableNom,
    etape: LABELS.etape[o.etape],
    resultat: o.resultat ? LABELS.resultat[o.resultat] : '',
    montant: o.montant,
    probabilite: o.probabilite,
    valeurPonderee: o.valeurPonderee,
    dateConclusionEstimee: o.dateConclusionEstimee,
    motifPerte: o.motifPerte,
    notes: o.notes,
    dateCreation: stamp(o.dateCreation),
  }),
};

const TACHES: ExportKind<TacheOut> = {
  titre: 'Tâches',
  family: 'taches',
  resource: TACHE_RESOURCE,
  colonnes: [
    col('id', 'N°', 'int', 0.5),
    col('titre', 'Titre', 'text', 2),
    col('client', 'Client', 'text', 1.5),
    col('projet', 'Projet', 'text', 1.5),
    col('assigneA', 'Assignée à', 'text', 1.5),
    col('priorite', 'Priorité'),
    col('statut', 'Statut'),
    col('dateEcheance', 'Échéance'),
    col('enRetard', 'En retard'),
    col('dateTerminee', 'Terminée le'),
    col('description', 'Description', 'text', 2),
    col('dateCreation', 'Créée le'),
  ],
  row: (t) => ({
    id: t.id,
    titre: t.titre,
    client: t.clientNom,
    projet: t.projetTitre,
    assigneA: t.assigneANom,
    priorite: LABELS.tachePriorite[t.priorite],
    statut: LABELS.tacheStatut[t.statut],
    dateEcheance: t.dateEcheance,
    enRetard: ouiNon(t.enRetard),
    dateTerminee: stamp(t.dateTerminee),
    description: t.description,
    dateCreation: stamp(t.dateCreation),
  }),
};

const DEVIS: ExportKind<DevisOut> = {
  titre: 'Devis',
  family: 'devis',
  resource: DEVIS_RESOURCE,
  colonnes: [
    col('id', 'N°', 'int', 0.5),
    col('opportunite', 'Opportunité', 'text', 2),
    col('client', 'Client', 'text', 2),
    col('version', 'Version', 'int', 0.6),
    col('statut', 'Statut'),
    col('montant', 'Montant HT', 'money'),
    col('montantTva', 'TVA', 'money'),
    col('montantTtc', 'Montant TTC', 'money'),
    col('dateEnvoi', 'Envoyé le'),
    col('contenu', 'Contenu', 'text', 2),
    col('dateCreation', 'Créé le'),
  ],
  row: (d) => ({
    id: d.id,
    opportunite: d.opportuniteNom,
    client: d.clientNom,
    version: d.version,
    statut: LABELS.devisStatut[d.statut],
    montant: d.montant,
    montantTva: d.montantTva,
    montantTtc: d.montantTtc,
    dateEnvoi: stamp(d.dateEnvoi),
    contenu: d.contenu,
    dateCreation: stamp(d.dateCreation),
  }),
};

const USERS: ExportKind<UserOut> = {
  titre: 'Utilisateurs',
  family: 'users',
  resource: USER_RESOURCE,
  colonnes: [
    col('id', 'N°', 'int', 0.5),
    col('username', "Nom d'utilisateur", 'text', 1.5),
    col('firstName', 'Prénom'),
    col('lastName', 'Nom'),
    col('email', 'E-mail', 'text', 2),
    col('role', 'Rôle'),
    col('departement', 'Département'),
    col('telephone', 'Téléphone'),
    col('isActive', 'Actif'),
    col('dateCreation', 'Créé le'),
  ],
  row: (u) => ({
    id: u.id,
    username: u.username,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    role: LABELS.role[u.role],
    departement: u.departement,
    telephone: u.telephone,
    isActive: ouiNon(u.isActive),
    dateCreation: stamp(u.dateCreation),
  }),
};

type Parent = { sql: string; params: unknown[] };

/** A list export: its path below /api (`{id}` for the parent of a sub-list), query schema, rows. */
export interface ListExport {
  path: string;
  /** File name stem: `clients` → `clients-2026-12-06.csv`. */
  fichier: string;
  titre: string;
  family: string;
  input: z.ZodObject;
  colonnes: ReportColumn[];
  /** The rows' query: filters and, for a sub-list, the parent's visibility check. */
  query: (user: AuthUser, input: any, parentId?: number) => { where: Where; parent?: Parent };
  stream: (em: EntityManager, ordering: string | undefined, where: Where) => AsyncGenerator<Record<string, Cell>[]>;
}

function exportOf<T>(
  kind: ExportKind<T>,
  path: string,
  fichier: string,
  input: z.ZodObject,
  query: ListExport['query'],
): ListExport {
  return {
    path,
    fichier,
    titre: kind.titre,
    family: kind.family,
    input,
    colonnes: kind.colonnes,
    query,
    async *stream(em, ordering, where) {
      for await (const batch of streamResource(em, kind.resource, ordering, where)) yield batch.map(kind.row);
    },
  };
}

export const LIST_EXPORTS: ListExport[] = [
  exportOf(CLIENTS, '/clients/', 'clients', clientListInput, (user, input) => ({ where: clientFilters(user, input) })),
  exportOf(PROJETS, '/projets/', 'projets', projetListInput, (user, input) => ({ where: projetFilters(user, input) })),
  exportOf(OPPORTUNITES, '/opportunites/', 'opportunites', opportuniteListInput, (user, input) => ({
    where: opportuniteFilters(user, input),
  })),
  exportOf(TACHES, '/taches/', 'taches', tacheListInput, (user, input) => ({ where: tacheFilters(user, input) })),
  exportOf(DEVIS, '/devis/', 'devis', devisListInput, (user, input) => ({ where: devisFilters(user, input) })),
  exportOf(USERS, '/users/', 'utilisateurs', userListInput, (_user, input) => ({ where: userFilters(input) })),
  exportOf(PROJETS, '/clients/{id}/projets/', 'projets-client', projetListInput, (user, input, id) =>
    projetsOfClient(user, id!, input),
  ),
  exportOf(
    OPPORTUNITES,
    '/clients/{id}/opportunites/',
    'opportunites-client',
    opportuniteListInput,
    (user, input, id) => opportunitesOfClient(user, id!, input),
  ),
  exportOf(TACHES, '/clients/{id}/taches/', 'taches-client', tacheListInput, (user, input, id) =>
    tachesOfClient(user, id!, input),
  ),
  exportOf(TACHES, '/projets/{id}/taches/', 'taches-projet', tacheListInput, (user, input, id) =>
    tachesOfProjet(user, id!, input),
  ),
  exportOf(DEVIS, '/opportunites/{id}/devis/', 'devis-opportunite', devisListInput, (user, input, id) =>
    devisOfOpportunite(user, id!, input),
  ),
];

/** 404 unless the parent of a sub-list exists and the caller may see it. */
export async function assertParentVisible(em: EntityManager, parent: Parent | undefined): Promise<void> {
  if (parent && !(await sqlOne(em, parent.sql, parent.params))) throw notFound();
}
