import {
  ETAPES,
  IMPORT_CHAMPS,
  LABELS,
  RESULTATS,
  TACHE_PRIORITES,
  TACHE_STATUTS,
  type ImportChamp,
  type ImportRessource,
  type MessageKey,
} from '@crm/shared';
import { crmFold } from '../../lib/sql/fold.js';

/**
 * Columns → fields: header recognition (French and English names, accents, case and punctuation
 * ignored), the mapping's checks, and the conversion of a cell's text to what the create schemas
 * of packages/shared expect (French dates, decimal commas, choice labels).
 */

/** A header or label reduced to letters, digits and single spaces. */
const headerKey = (s: string) =>
  crmFold(s)
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();

export const champsOf = (ressource: ImportRessource): ImportChamp[] => IMPORT_CHAMPS[ressource];

/** The field each header names, each field once (the first column naming it). */
export function proposeMapping(ressource: ImportRessource, entetes: string[]): (string | null)[] {
  const byName = new Map<string, string>();
  for (const c of champsOf(ressource)) {
    for (const name of [c.code, c.libelle, ...c.synonymes]) {
      const k = headerKey(name);
      if (!byName.has(k)) byName.set(k, c.code);
      if (!byName.has(k.replace(/ /g, ''))) byName.set(k.replace(/ /g, ''), c.code);
    }
  }
  const used = new Set<string>();
  return entetes.map((h) => {
    const k = headerKey(h);
    const code = byName.get(k) ?? byName.get(k.replace(/ /g, ''));
    if (!code || used.has(code)) return null;
    used.add(code);
    return code;
  });
}

export interface MappingProblems {
  /** Field errors for a 400 (`mapping`). */
  fieldErrors: Record<string, MessageKey[]>;
  /** Required fields mapped to no column (labels). */
  manquants: string[];
}

/** Checks a mapping against the file's columns and the resource's fields. */
export function checkMapping(ressource: ImportRessource, width: number, mapping: (string | null)[]): MappingProblems {
  const fieldErrors: Record<string, MessageKey[]> = {};
  const codes = new Set(champsOf(ressource).map((c) => c.code));
  if (mapping.length !== width) fieldErrors.mapping = ['import.mapping_longueur'];
  const seen = new Set<string>();
  mapping.forEach((code, i) => {
    if (code === null) return;
    if (!codes.has(code)) fieldErrors[`mapping.${i}`] = ['import.mapping_inconnu'];
    else if (seen.has(code)) fieldErrors[`mapping.${i}`] = ['import.mapping_double'];
    seen.add(code);
  });
  const manquants = champsOf(ressource)
    .filter((c) => c.obligatoire && !seen.has(c.code))
    .map((c) => c.libelle);
  return { fieldErrors, manquants };
}

/**
 * A French or English amount: `1 234,56`, `1234.56`, `1.234,56 €`, `12,5`. The last of `,` `.` is
 * the decimal separator when both appear; a lone `,` is decimal unless it groups thousands
 * (`1,234,567`). NaN when it is not a number (the money schema then says why).
 */
export function parseDecimal(raw: string): number {
  let s = raw
    .replace(/[\s\u00a0\u202f]/g, '')
    .replace(/€|eur$/i, '')
    .replace(/%$/, '');
  if (s === '' || !/^[+-]?[\d.,]+$/.test(s)) return Number.NaN;
  const comma = s.lastIndexOf(',');
  const dot = s.lastIndexOf('.');
  if (comma >= 0 && dot >= 0) {
    const decimal = comma > dot ? ',' : '.';
    const group = decimal === ',' ? '.' : ',';
    s = s.split(group).join('').replace(decimal, '.');
  } else if (comma >= 0) {
    s = /^[+-]?\d{1,3}(,\d{3}){2,}$/.test(s) ? s.replace(/,/g, '') : s.replace(',', '.');
  } else if (/^[+-]?\d{1,3}(\.\d{3}){2,}$/.test(s)) {
    s = s.replace(/\./g, '');
  }
  if ((s.match(/\./g) ?? []).length > 1) return Number.NaN;
  return Number(s);
}

/** `31/12/2026`, `31-12-2026`, `31.12.2026`, `1/2/26` (day first), or ISO `2026-12-31`: ISO, or null. */
export function parseDateFr(raw: string): string | null {
  const s = raw.trim();
  let y: number;
  let m: number;
  let d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:\s+[\d:]+)?$/.exec(s);
    if (!match) return null;
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (match[3].length === 2) y += 2000;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso ? iso : null;
}

/** Codes, French labels and common English names of the choice fields. */
const CHOICES: Record<string, Record<string, string>> = {
  etape: {
    ...Object.fromEntries(ETAPES.map((c) => [c, c])),
    ...Object.fromEntries(Object.entries(LABELS.etape).map(([c, l]) => [headerKey(l), c])),
    proposal: 'proposition',
    negotiation: 'negociation',
    closing: 'conclusion',
    closed: 'conclusion',
    lead: 'prospect',
  },
  // Case and accents are folded before the lookup (headerKey): « Gagnée », « GAGNE », « won »…
  resultat: {
    ...Object.fromEntries(RESULTATS.map((c) => [c, c])),
    ...Object.fromEntries(Object.entries(LABELS.resultat).map(([c, l]) => [headerKey(l), c])),
    gagne: 'gagnee',
    gagnes: 'gagnee',
    gagnees: 'gagnee',
    won: 'gagnee',
    win: 'gagnee',
    'closed won': 'gagnee',
    perdu: 'perdue',
    perdus: 'perdue',
    perdues: 'perdue',
    lost: 'perdue',
    lose: 'perdue',
    loss: 'perdue',
    'closed lost': 'perdue',
  },
  priorite: {
    ...Object.fromEntries(TACHE_PRIORITES.map((c) => [c, c])),
    ...Object.fromEntries(Object.entries(LABELS.tachePriorite).map(([c, l]) => [headerKey(l), c])),
    low: 'basse',
    medium: 'moyenne',
    normal: 'moyenne',
    normale: 'moyenne',
    high: 'haute',
    urgent: 'urgente',
  },
  statut: {
    ...Object.fromEntries(TACHE_STATUTS.map((c) => [c, c])),
    ...Object.fromEntries(Object.entries(LABELS.tacheStatut).map(([c, l]) => [headerKey(l), c])),
    'a faire': 'a_faire',
    'en cours': 'en_cours',
    todo: 'a_faire',
    'to do': 'a_faire',
    'in progress': 'en_cours',
    done: 'terminee',
    termine: 'terminee',
    completed: 'terminee',
  },
};

/** The choice code a cell names (code, French label or English name), else the cell itself (the schema refuses it). */
export function parseChoice(code: string, raw: string): string {
  const table = CHOICES[code];
  if (!table) return raw;
  return table[raw] ?? table[headerKey(raw)] ?? raw;
}
