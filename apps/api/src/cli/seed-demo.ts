import { pathToFileURL } from 'node:url';
import { initOrm, migrate, type EntityManager } from '@crm/db';
import {
  activiteCreateInput,
  clientCreateInput,
  contactCreateInput,
  devisCreateInput,
  opportuniteCreateInput,
  projetCreateInput,
  tacheCreateInput,
  type Role,
} from '@crm/shared';
import type { z } from 'zod';
import { resolveDatabase } from '../database.js';
import { hashPassword } from '../auth/passwords.js';
import type { AuthUser } from '../auth/sessions.js';
import { sql } from '../lib/sql/runner.js';
import { createClient } from '../services/clients.js';
import { createProjet } from '../services/projets.js';
import { avancerEtape, createOpportunite } from '../services/opportunites.js';
import { completeTache, createTache } from '../services/taches.js';
import { createDevis, nouvelleVersion, updateDevis } from '../services/devis.js';
import { createContact } from '../services/contacts.js';
import { createActivite } from '../services/activites.js';

/**
 * Demo data for a first look at the CRM:  pnpm seed-demo
 * A manager (marie) and two commerciaux (paul, julie), French clients, projets, an opportunity
 * pipeline across every stage, tâches and devis with lines. Everything goes through the services,
 * so the business rules (kanban positions, devis versions and amounts) hold as for API writes.
 * Idempotent: does nothing when the demo users already exist. One transaction: all or nothing.
 */
export const DEMO_PASSWORD = 'Demo-CRM-2026!';
const DEMO_USERS: { username: string; role: Role; firstName: string; lastName: string; departement: string }[] = [
  { username: 'marie', role: 'manager', firstName: 'Marie', lastName: 'Lambert', departement: 'Direction commerciale' },
  { username: 'paul', role: 'commercial', firstName: 'Paul', lastName: 'Girard', departement: 'Ventes Île-de-France' },
  { username: 'julie', role: 'commercial', firstName: 'Julie', lastName: 'Mercier', departement: 'Ventes Grand Ouest' },
];

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export async function seedDemo(em: EntityManager): Promise<{ created: boolean }> {
  const existing = await sql(em, `select 1 from users where lower(username) in ('marie', 'paul', 'julie') limit 1`);
  if (existing.length) return { created: false };

  await em.transactional(async (tem) => {
    const [firstEvent] = await sql<{ m: number }>(tem, 'select coalesce(max(id), 0) as m from evenements');
    const hash = await hashPassword(DEMO_PASSWORD);
    const users: Record<string, AuthUser> = {};
    for (const u of DEMO_USERS) {
      const [row] = await sql(
        tem,
        `insert into users (username, email, password_hash, role, first_name, last_name, departement)
        values (?, ?, ?, ?, ?, ?, ?) returning id`,
        [u.username, `${u.username}@demo-crm.fr`, hash, u.role, u.firstName, u.lastName, u.departement],
      );
      users[u.username] = { id: row.id, username: u.username, role: u.role, isActive: true };
    }
    const { marie, paul, julie } = users;

    const client = async (input: z.input<typeof clientCreateInput>) =>
      (await createClient(tem, marie, clientCreateInput.parse(input))).id;
    const boulangerie = await client({
      nom: 'Boulangerie Dupont',
      societe: 'Dupont & Fils SARL',
      email: 'contact@boulangerie-dupont.fr',
      telephone: '01 42 36 55 10',
      categorie: 'Artisan',
      responsable: paul.id,
      notes: 'Trois boutiques à Paris 11e.',
    });
    const garage = await client({
      nom: 'Garage Lefèvre',
      societe: 'Lefèvre Automobiles',
      email: 'atelier@garage-lefevre.fr',
      telephone: '02 99 31 44 20',
      categorie: 'PME',
      responsable: julie.id,
    });
    const cabinet = await client({
      nom: 'Cabinet Moreau Avocats',
      societe: 'Moreau & Associés',
      email: 'accueil@moreau-avocats.fr',
      telephone: '01 53 77 20 00',
      categorie: 'Profession libérale',
      responsable: paul.id,
    });
    const hotel = await client({
      nom: 'Hôtel Bellevue',
      societe: 'SAS Bellevue Hôtellerie',
      email: 'direction@hotel-bellevue.fr',
      telephone: '02 40 12 34 56',
      categorie: 'Hôtellerie',
      responsable: julie.id,
      notes: 'Rénovation prévue au printemps.',
    });
    const mairie = await client({
      nom: 'Mairie de Saint-Aubin',
      societe: 'Commune de Saint-Aubin',
      email: 'dgs@saint-aubin.fr',
      telephone: '02 23 45 67 89',
      categorie: 'Collectivité',
      responsable: marie.id,
    });
    const fromagerie = await client({
      nom: 'Fromagerie Blanc',
      societe: 'Blanc Affineurs',
      email: 'commandes@fromagerie-blanc.fr',
      telephone: '04 76 21 30 40',
      categorie: 'Artisan',
      responsable: paul.id,
    });

    const contact = async (by: AuthUser, input: z.input<typeof contactCreateInput>) =>
      (await createContact(tem, by, contactCreateInput.parse(input))).id;
    const sophie = await contact(paul, {
      client: boulangerie,
      prenom: 'Sophie',
      nom: 'Dupont',
      fonction: 'Gérante',
      email: 'sophie.dupont@boulangerie-dupont.fr',
      telephone: '06 12 45 78 90',
      principal: true,
    });
    await contact(paul, {
      client: boulangerie,
      prenom: 'Karim',
      nom: 'Benali',
      fonction: 'Responsable boutique Oberkampf',
      telephone: '06 33 21 54 87',
    });
    const lefevre = await contact(julie, {
      client: garage,
      prenom: 'Thierry',
      nom: 'Lefèvre',
      fonction: 'Dirigeant',
      email: 'thierry@garage-lefevre.fr',
      telephone: '06 71 82 93 04',
      principal: true,
    });
    await contact(julie, {
      client: garage,
      prenom: 'Nadia',
      nom: 'Roussel',
      fonction: "Chef d'atelier",
      email: 'atelier@garage-lefevre.fr',
    });
    const moreau = await contact(paul, {
      client: cabinet,
      prenom: 'Claire',
      nom: 'Moreau',
      fonction: 'Associée',
      email: 'c.moreau@moreau-avocats.fr',
      telephone: '01 53 77 20 01',
      principal: true,
    });
    await contact(paul, {
      client: cabinet,
      prenom: 'Julien',
      nom: 'Petit',
      fonction: 'Office manager',
      email: 'j.petit@moreau-avocats.fr',
    });
    const bellevue = await contact(julie, {
      client: hotel,
      prenom: 'Isabelle',
      nom: 'Garnier',
      fonction: 'Directrice',
      email: 'i.garnier@hotel-bellevue.fr',
      telephone: '06 45 56 67 78',
      principal: true,
    });
    await contact(marie, {
      client: mairie,
      prenom: 'Philippe',
      nom: 'Rousseau',
      fonction: 'Directeur général des services',
      email: 'dgs@saint-aubin.fr',
      principal: true,
    });
    await contact(paul, {
      client: fromagerie,
      prenom: 'Antoine',
      nom: 'Blanc',
      fonction: 'Affineur',
      telephone: '06 88 77 66 55',
      principal: true,
    });

    const opp = async (by: AuthUser, input: z.input<typeof opportuniteCreateInput>) =>
      (await createOpportunite(tem, by, opportuniteCreateInput.parse(input))).id;
    const caisses = await opp(paul, {
      nom: 'Caisses enregistreuses (3 boutiques)',
      client: boulangerie,
      montant: 8400,
      probabilite: 60,
      etape: 'proposition',
      dateConclusionEstimee: day(20),
      notes: 'Compatibles NF525.',
    });
    await opp(paul, {
      nom: 'Site de commande en ligne',
      client: boulangerie,
      montant: 4500,
      probabilite: 20,
      dateConclusionEstimee: day(60),
    });
    await opp(julie, {
      nom: 'Outil de diagnostic atelier',
      client: garage,
      montant: 12990.9,
      probabilite: 40,
      etape: 'qualification',
      dateConclusionEstimee: day(35),
    });
    const ged = await opp(paul, {
      nom: 'GED et archivage des dossiers',
      client: cabinet,
      montant: 21000,
      probabilite: 75,
      etape: 'negociation',
      dateConclusionEstimee: day(10),
      notes: 'Décision en comité des associés.',
    });
    const wifi = await opp(julie, {
      nom: 'Wi-Fi clients et portail captif',
      client: hotel,
      montant: 6800,
      probabilite: 50,
      etape: 'proposition',
      dateConclusionEstimee: day(25),
    });
    await opp(julie, {
      nom: 'Domotique des chambres',
      client: hotel,
      montant: 38500,
      probabilite: 10,
      dateConclusionEstimee: day(120),
    });
    await opp(marie, {
      nom: 'Tablettes pour les écoles',
      client: mairie,
      montant: 15600,
      probabilite: 30,
      etape: 'qualification',
      dateConclusionEstimee: day(45),
      notes: 'Marché public : attendre la publication.',
    });
    const balance = await opp(paul, {
      nom: 'Balances connectées',
      client: fromagerie,
      montant: 2350.5,
      probabilite: 80,
      etape: 'negociation',
      dateConclusionEstimee: day(7),
    });
    const telephonie = await opp(paul, {
      nom: 'Téléphonie IP',
      client: cabinet,
      montant: 5200,
      probabilite: 90,
      etape: 'negociation',
      dateConclusionEstimee: day(-5),
    });
    const maintenance = await opp(julie, {
      nom: 'Contrat de maintenance',
      client: garage,
      montant: 3600,
      probabilite: 70,
      etape: 'negociation',
      dateConclusionEstimee: day(-12),
    });
    // Closed deals: through avancer-etape, as a user would.
    await avancerEtape(tem, paul, telephonie, { resultat: 'gagnee' });
    await avancerEtape(tem, julie, maintenance, {
      resultat: 'perdue',
      motifPerte: 'Prix jugé trop élevé face au concurrent.',
    });

    const devis = async (by: AuthUser, input: z.input<typeof devisCreateInput>) =>
      (await createDevis(tem, by, devisCreateInput.parse(input))).id;
    const devisCaisses = await devis(paul, {
      opportunite: caisses,
      contact: sophie,
      contenu: 'Fourniture, installation et formation du personnel.',
      lignes: [
        { designation: 'Caisse tactile 15" NF525', quantite: 3, prixUnitaire: 1890, tauxTva: 20 },
        { designation: 'Imprimante tickets', quantite: 3, prixUnitaire: 249.9, tauxTva: 20 },
        { designation: 'Formation (demi-journée)', quantite: 2, prixUnitaire: 450, tauxTva: 20 },
      ],
    });
    await updateDevis(tem, paul, devisCaisses, { statut: 'envoye' });
    const devisGed = await devis(paul, {
      opportunite: ged,
      contact: moreau,
      contenu: 'Licences, reprise des archives et accompagnement.',
      lignes: [
        { designation: 'Licence GED (utilisateur/an)', quantite: 12, prixUnitaire: 540, tauxTva: 20 },
        { designation: 'Numérisation des archives (lot)', quantite: 1, prixUnitaire: 9800, tauxTva: 20 },
        { designation: 'Paramétrage', quantite: 5, prixUnitaire: 520, tauxTva: 20 },
      ],
    });
    // Final answers come from the client's public page or a manager (here: marie records them).
    await updateDevis(tem, marie, devisGed, { statut: 'refuse' });
    const devisGed2 = (await nouvelleVersion(tem, paul, devisGed)).id;
    await updateDevis(tem, paul, devisGed2, {
      contenu: 'Version 2 : paiement en trois fois, numérisation planifiée sur deux mois.',
      statut: 'envoye',
    });
    await devis(julie, {
      opportunite: wifi,
      montant: 6800,
      contenu: 'Bornes Wi-Fi 6, portail captif, maintenance un an.',
    });
    const devisTel = await devis(paul, {
      opportunite: telephonie,
      lignes: [
        { designation: 'Poste IP', quantite: 8, prixUnitaire: 189, tauxTva: 20 },
        { designation: 'Abonnement trunk SIP (an)', quantite: 1, prixUnitaire: 3688, tauxTva: 20 },
      ],
    });
    await updateDevis(tem, marie, devisTel, { statut: 'accepte' });
    await devis(paul, {
      opportunite: balance,
      contenu: 'Balances homologuées, étiquetage.',
      lignes: [{ designation: 'Balance connectée', quantite: 2, prixUnitaire: 1175.25, tauxTva: 20 }],
    });

    const projet = async (input: z.input<typeof projetCreateInput>) =>
      (await createProjet(tem, marie, projetCreateInput.parse(input))).id;
    const pTel = await projet({
      titre: 'Déploiement téléphonie IP',
      client: cabinet,
      statut: 'en_cours',
      dateDebut: day(-20),
      dateFin: day(15),
      budget: 5200,
      devisAssocie: devisTel,
      description: 'Installation des postes et portabilité des numéros.',
    });
    const pVitrine = await projet({
      titre: 'Refonte de la vitrine',
      client: boulangerie,
      statut: 'en_cours',
      dateDebut: day(-40),
      dateFin: day(-3),
      budget: 1800,
      description: 'Affichage dynamique en boutique.',
    });
    const pAudit = await projet({
      titre: 'Audit du réseau',
      client: hotel,
      statut: 'a_faire',
      dateDebut: day(5),
      dateFin: day(19),
      budget: 950,
    });
    await projet({
      titre: 'Inventaire informatique',
      client: mairie,
      statut: 'termine',
      dateDebut: day(-90),
      dateFin: day(-60),
      budget: 3000,
    });
    await projet({
      titre: 'Migration messagerie',
      client: garage,
      statut: 'a_faire',
      description: 'Dates à fixer avec le client.',
    });

    const tache = async (by: AuthUser, input: z.input<typeof tacheCreateInput>) =>
      (await createTache(tem, by, tacheCreateInput.parse(input))).id;
    await tache(paul, {
      titre: 'Relancer pour le devis caisses',
      client: boulangerie,
      priorite: 'haute',
      dateEcheance: day(2),
    });
    await tache(paul, {
      titre: 'Préparer la démo GED',
      client: cabinet,
      priorite: 'urgente',
      dateEcheance: day(1),
      description: 'Jeu de données anonymisé.',
    });
    await tache(paul, {
      titre: 'Commander les postes IP',
      projet: pTel,
      priorite: 'haute',
      dateEcheance: day(-2),
      statut: 'en_cours',
    });
    await tache(paul, {
      titre: 'Former l’accueil au standard',
      projet: pTel,
      priorite: 'moyenne',
      dateEcheance: day(10),
    });
    const photos = await tache(paul, {
      titre: 'Valider les visuels de la vitrine',
      projet: pVitrine,
      priorite: 'moyenne',
      dateEcheance: day(-6),
    });
    await completeTache(tem, paul, photos);
    await tache(paul, {
      titre: 'Installer les écrans',
      projet: pVitrine,
      priorite: 'haute',
      dateEcheance: day(-1),
      statut: 'en_cours',
    });
    await tache(julie, {
      titre: 'Visite technique de l’hôtel',
      projet: pAudit,
      priorite: 'moyenne',
      dateEcheance: day(5),
    });
    await tache(julie, { titre: 'Chiffrer la domotique', client: hotel, priorite: 'basse', dateEcheance: day(30) });
    await tache(julie, {
      titre: 'Appeler le chef d’atelier',
      client: garage,
      priorite: 'moyenne',
      dateEcheance: day(-4),
      description: 'Suite à la perte du contrat de maintenance.',
    });
    await tache(marie, { titre: 'Revue du pipeline', priorite: 'haute', dateEcheance: day(3), assigneA: marie.id });
    await tache(marie, {
      titre: 'Répondre à l’appel d’offres tablettes',
      client: mairie,
      priorite: 'urgente',
      dateEcheance: day(14),
      assigneA: julie.id,
    });
    await tache(marie, {
      titre: 'Point mensuel avec Paul',
      priorite: 'basse',
      dateEcheance: day(8),
      assigneA: paul.id,
    });

    // What was said, when: activities dated in the past weeks.
    const activite = async (by: AuthUser, daysAgo: number, input: z.input<typeof activiteCreateInput>) =>
      createActivite(
        tem,
        by,
        activiteCreateInput.parse({ ...input, date: new Date(Date.now() - daysAgo * 86_400_000).toISOString() }),
      );
    await activite(paul, 21, {
      type: 'appel',
      sujet: 'Premier contact',
      client: boulangerie,
      contact: sophie,
      contenu: 'Trois boutiques, caisses vieillissantes. Souhaite une **solution NF525** avant la fin du trimestre.',
    });
    await activite(paul, 14, {
      type: 'reunion',
      sujet: 'Visite de la boutique Oberkampf',
      client: boulangerie,
      opportunite: caisses,
      contenu: '- 2 postes en boutique\n- 1 poste au laboratoire\n- Formation souhaitée un lundi (jour de fermeture)',
    });
    await activite(paul, 3, {
      type: 'email',
      sujet: 'Envoi du devis caisses',
      client: boulangerie,
      contact: sophie,
      opportunite: caisses,
      contenu: 'Devis transmis ; relance prévue en fin de semaine.',
    });
    await activite(paul, 9, {
      type: 'reunion',
      sujet: 'Démo GED au comité des associés',
      client: cabinet,
      contact: moreau,
      opportunite: ged,
      contenu: 'Bon accueil. Objection sur le prix de la numérisation : proposer un **paiement en trois fois**.',
    });
    await activite(paul, 2, {
      type: 'note',
      sujet: 'Retour sur la version 2',
      client: cabinet,
      opportunite: ged,
      contenu: 'Claire Moreau confirme une décision sous dix jours.',
    });
    await activite(julie, 12, {
      type: 'appel',
      sujet: 'Besoin Wi-Fi',
      client: hotel,
      contact: bellevue,
      opportunite: wifi,
      contenu: 'Plaintes des clients sur la couverture au 3e étage.',
    });
    await activite(julie, 6, {
      type: 'appel',
      sujet: 'Perte du contrat de maintenance',
      client: garage,
      contact: lefevre,
      contenu: 'Le concurrent est 20 % moins cher. Garder le contact pour le diagnostic atelier.',
    });
    await activite(marie, 5, {
      type: 'note',
      sujet: 'Appel d’offres tablettes',
      client: mairie,
      contenu: 'Publication attendue sur le profil acheteur de la commune.',
    });

    // Everything above happened "now": spread the events it recorded over the past weeks, in the
    // same order, so the timelines read like a real history (activities keep their own dates).
    await sql(
      tem,
      `update evenements set date = now() - ((select max(id) from evenements) - id) * interval '9 hours' - interval '1 hour'
      where id > ?`,
      [firstEvent.m],
    );
  });
  return { created: true };
}

async function main() {
  const db = await resolveDatabase();
  const orm = await initOrm({ databaseUrl: db.url, poolMax: 2 });
  try {
    await migrate(orm);
    const { created } = await seedDemo(orm.em.fork() as EntityManager);
    if (!created) {
      console.log('Données de démonstration déjà présentes (utilisateurs marie, paul, julie) : rien à faire.');
      return;
    }
    console.log('Données de démonstration créées. Comptes (mot de passe commun) :');
    for (const u of DEMO_USERS) console.log(`  ${u.username.padEnd(6)} ${u.role.padEnd(10)} ${DEMO_PASSWORD}`);
  } finally {
    await orm.close(true);
    await db.stop();
  }
}

// Run as a script (pnpm seed-demo), not when imported (tests import seedDemo).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
