/**
 * The list scenario matrix of `pnpm bench`: every list and sub-list of the contract × each of its
 * filters, each ordering (both directions) and a search with a common fragment, a rare one and a
 * one-letter one × an admin and a commercial. Each cell is a short autocannon run; a cell whose
 * p99 is above the target is flagged, so a slow path cannot hide behind an easy one.
 */
import { SIZES, surname } from './seed.js';
import type { Scenario } from './load.js';
import { fold, rand } from './terms.js';

export const P99_TARGET_MS = 25;

export type Role = 'admin' | 'commercial';
export interface Cell extends Scenario {
  list: string;
  kind: 'base' | 'filter' | 'ordering' | 'search';
  role: Role;
}

/** A random multiple of 10 up to n: commercial1 is responsable of clients 10, 20, … (seed: 3 + g % 10). */
const tenth = (n: number) => 10 * rand(Math.floor(n / 10));
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

interface ListDef {
  name: string;
  /** Path without query; may depend on the role (sub-lists take a parent the role can see). */
  path: (role: Role) => string;
  filters: Array<[string, (role: Role) => string | number]>;
  orderings: string[];
  /** Not paginated (column aggregates): the base cell sends no page parameters. */
  aggregate?: boolean;
  /** Search terms: common fragment (many rows), rare (a handful), one letter. */
  search?: { common: () => string; rare: () => string; letter: () => string };
}

/** A client/opportunité/projet id the role can see (seed layout: commercial1 owns every tenth client). */
const clientId = (role: Role) => (role === 'admin' ? rand(SIZES.clients) : tenth(SIZES.clients));
/** Projet g belongs to client 1 + 7g mod clients: a tenth client (commercial1's) when g ends in 7. */
const projetId = (role: Role) => (role === 'admin' ? rand(SIZES.projets) : 10 * (rand(SIZES.projets / 10) - 1) + 7);
const opportuniteId = (role: Role) => (role === 'admin' ? rand(SIZES.devis) : tenth(SIZES.devis));

const LISTS: ListDef[] = [
  {
    name: 'clients',
    path: () => '/api/clients/',
    filters: [
      ['categorie', () => 'VIP'],
      ['responsable', () => '3'],
    ],
    orderings: ['nom', 'societe', 'dateCreation', 'dateModification'],
    search: {
      common: () => pick(['ber', 'lan', 'mor', 'val']),
      rare: () => fold(surname(rand(SIZES.clients))),
      letter: () => pick(['a', 'e', 'r', 'z']),
    },
  },
  {
    name: 'projets',
    path: () => '/api/projets/',
    filters: [
      ['statut', () => 'en_cours'],
      ['client', clientId],
      ['enRetard', () => 'true'],
      ['enRetard', () => 'false'],
    ],
    orderings: ['titre', 'dateDebut', 'dateFin', 'budget', 'dateCreation'],
    search: {
      common: () => `projet ${rand(9)}`,
      rare: () => `projet ${10000 + rand(9999)}`,
      letter: () => pick(['p', 'e', 'd']),
    },
  },
  {
    name: 'opportunites',
    path: () => '/api/opportunites/',
    filters: [
      ['etape', () => pick(['prospect', 'proposition', 'conclusion'])],
      ['client', clientId],
      ['responsable', () => '3'],
      ['resultat', () => 'gagnee'],
      ['montantMin', () => '45000'],
      ['montantMax', () => '2000'],
    ],
    orderings: ['nom', 'montant', 'probabilite', 'dateConclusionEstimee', 'dateCreation', 'position'],
    search: {
      common: () => `opportunite ${rand(9)}`,
      rare: () => `opportunite ${100000 + rand(99999)}`,
      letter: () => pick(['o', 'e', 'n']),
    },
  },
  {
    name: 'taches',
    path: () => '/api/taches/',
    filters: [
      ['statut', () => pick(['a_faire', 'en_cours'])],
      ['priorite', () => 'urgente'],
      ['assigneA', () => 'me'],
      ['assigneA', () => '3'],
      ['client', clientId],
      ['projet', projetId],
      ['echeanceAvant', () => day(-50)],
      ['echeanceApres', () => day(50)],
      ['enRetard', () => 'true'],
      ['enRetard', () => 'false'],
    ],
    orderings: ['dateEcheance', 'priorite', 'dateCreation', 'position'],
    search: {
      common: () => `tache ${rand(9)}`,
      rare: () => `tache ${100000 + rand(199999)}`,
      letter: () => pick(['t', 'a', 'c']),
    },
  },
  {
    name: 'devis',
    path: () => '/api/devis/',
    filters: [
      ['statut', () => 'envoye'],
      ['opportunite', opportuniteId],
    ],
    orderings: ['dateCreation', 'montant', 'version'],
    search: {
      common: () => `devis ${rand(9)}`,
      rare: () => `devis ${10000 + rand(9999)}`,
      letter: () => pick(['d', 'e', 's']),
    },
  },
  {
    name: 'users',
    path: () => '/api/users/',
    filters: [['isActive', () => 'true']],
    orderings: [],
    search: { common: () => 'commercial', rare: () => `commercial${rand(9)}`, letter: () => 'c' },
  },
  {
    name: 'opportunites/colonnes',
    path: () => '/api/opportunites/colonnes/',
    aggregate: true,
    filters: [
      ['responsable', () => '3'],
      ['montantMin', () => '45000'],
    ],
    orderings: [],
    search: {
      common: () => `opportunite ${rand(9)}`,
      rare: () => `opportunite ${100000 + rand(99999)}`,
      letter: () => 'o',
    },
  },
  {
    name: 'taches/colonnes',
    path: () => '/api/taches/colonnes/',
    aggregate: true,
    filters: [
      ['assigneA', () => 'me'],
      ['priorite', () => 'urgente'],
    ],
    orderings: [],
    search: { common: () => `tache ${rand(9)}`, rare: () => `tache ${100000 + rand(199999)}`, letter: () => 't' },
  },
  {
    name: 'clients/{id}/projets',
    path: (role) => `/api/clients/${clientId(role)}/projets/`,
    filters: [['statut', () => 'en_cours']],
    orderings: ['dateDebut'],
  },
  {
    name: 'clients/{id}/opportunites',
    path: (role) => `/api/clients/${clientId(role)}/opportunites/`,
    filters: [['etape', () => 'proposition']],
    orderings: ['montant'],
  },
  {
    name: 'clients/{id}/taches',
    path: (role) => `/api/clients/${clientId(role)}/taches/`,
    filters: [['statut', () => 'a_faire']],
    orderings: ['priorite'],
  },
  {
    name: 'projets/{id}/taches',
    path: (role) => `/api/projets/${projetId(role)}/taches/`,
    filters: [['statut', () => 'a_faire']],
    orderings: ['priorite'],
  },
  {
    name: 'opportunites/{id}/devis',
    path: (role) => `/api/opportunites/${opportuniteId(role)}/devis/`,
    filters: [['statut', () => 'envoye']],
    orderings: ['version'],
  },
];

/** Every cell of the matrix, for both roles. */
export function matrixCells(tokens: Record<Role, string>): Array<Cell & { token: string }> {
  const cells: Array<Cell & { token: string }> = [];
  for (const role of ['admin', 'commercial'] as const) {
    for (const l of LISTS) {
      const add = (kind: Cell['kind'], label: string, query: () => string) =>
        cells.push({
          name: `${l.name} ${label} ${role}`,
          list: l.name,
          kind,
          role,
          token: tokens[role],
          path: () => `${l.path(role)}?${query()}`,
        });
      add('base', '-', () => (l.aggregate ? '' : 'page=1&pageSize=25'));
      for (const [f, v] of l.filters) {
        const label = `${f}=${f === 'enRetard' || f === 'assigneA' ? v(role) : '…'}`;
        add('filter', label, () => `${f}=${encodeURIComponent(String(v(role)))}`);
      }
      for (const o of l.orderings)
        for (const dir of ['', '-']) add('ordering', `ordering=${dir}${o}`, () => `ordering=${dir}${o}`);
      if (l.search) {
        for (const k of ['common', 'rare', 'letter'] as const) {
          const term = l.search[k];
          add('search', `search=${k}`, () => `search=${encodeURIComponent(term())}`);
        }
      }
    }
  }
  return cells;
}
