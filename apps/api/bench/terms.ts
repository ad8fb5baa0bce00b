/** What the bench types: random ids and search terms over the seeded data (shared by run.ts, matrix.ts, probe.ts). */
import { SIZES, surname } from './seed.js';

/** A random integer from 1 to n. */
export const rand = (n: number) => 1 + Math.floor(Math.random() * n);

/** Accents and case dropped, as someone types. */
export const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

/** What someone types in the global search: a surname's start, a whole surname, or a devis number. */
export function rechercheQuery(): string {
  const r = Math.random();
  if (r < 0.1) return String(rand(SIZES.devis));
  const name = fold(surname(rand(SIZES.clients)));
  return r < 0.4 ? name : name.slice(0, 3 + Math.floor(Math.random() * 7));
}

/** The clients list's `?search=`: a surname typed without accents (a handful of clients), or an e-mail's start. */
export const clientsSearchTerm = () =>
  Math.random() < 0.7 ? fold(surname(rand(SIZES.clients))) : `contact${rand(SIZES.clients)}@`;
