import { describe, expect, it } from 'vitest';
import { estimateTiers, indexSample, startsAWord } from '../src/services/rechercheEstimate.js';

// A sample of 100 rows of a 10 000-row table: every row is a « rdv », 20 start a word with
// « che » (owned by user 1), 10 more hold it inside a word (user 2); user 3 owns nothing.
const rows = Array.from({ length: 100 }, (_, i) => {
  if (i < 20) return { text: `rdv ${i} chez cheval`, owners: [1] };
  if (i < 30) return { text: `rdv ${i} blanchet`, owners: [2, 2] };
  return { text: `rdv ${i} martin`, owners: [4] };
});
const sample = indexSample(rows, 10_000);

describe('search estimates', () => {
  it('tells a word start from a word inside', () => {
    expect(startsAWord('tache chez', 'che')).toBe(true);
    expect(startsAWord('blanchet', 'che')).toBe(false);
    expect(startsAWord('x@chez.fr', 'che')).toBe(true);
    expect(startsAWord('la-chez', 'che')).toBe(true);
    expect(startsAWord('élan', 'lan')).toBe(false);
  });

  it('estimates each tier in the table, and its density for the caller', () => {
    const staff = estimateTiers(sample, ['che'], { id: 0, staff: true }, false);
    expect(staff[1]).toEqual({ matches: 2000, density: 0.2, hits: 20, seen: 2000, visible: 10_000 });
    expect(staff[2]).toEqual({ matches: 1000, density: 0.1, hits: 10, seen: 1000, visible: 10_000 });
    // User 1 sees 20 rows, all starting a word with « che »: dense in their own rows.
    const own = estimateTiers(sample, ['che'], { id: 1, staff: false }, true);
    expect(own[1]).toMatchObject({ matches: 2000, density: 1, hits: 20, seen: 2000, visible: 2000 });
    expect(own[2]).toMatchObject({ matches: 1000, density: 0, hits: 0, seen: 0 });
    // Among everyone's rows (a walk over the whole table), user 2's are a tenth.
    expect(estimateTiers(sample, ['che'], { id: 2, staff: false }, false)[2]).toMatchObject({
      density: 0.1,
      hits: 10,
      seen: 1000,
    });
    // User 3 sees nothing: no density, whatever the table holds.
    expect(estimateTiers(sample, ['che'], { id: 3, staff: false }, true)[1]).toEqual({
      matches: 2000,
      density: 0,
      hits: 0,
      seen: 0,
      visible: 0,
    });
  });

  it('needs every word, and finds nothing for a trigram the sample lacks', () => {
    expect(estimateTiers(sample, ['rdv', 'martin'], { id: 0, staff: true }, false)[1].matches).toBe(7000);
    expect(estimateTiers(sample, ['cheval', 'martin'], { id: 0, staff: true }, false)[1].matches).toBe(0);
    expect(estimateTiers(sample, ['zzz'], { id: 0, staff: true }, false)).toEqual({
      1: { matches: 0, density: 0, hits: 0, seen: 0, visible: 10_000 },
      2: { matches: 0, density: 0, hits: 0, seen: 0, visible: 10_000 },
    });
    // Words shorter than a trigram are checked on every row.
    expect(estimateTiers(sample, ['ch', 'rd'], { id: 0, staff: true }, false)[1].matches).toBe(2000);
  });

  it('counts a row once per owner, and never fewer rows in the table than in the sample', () => {
    expect(sample.owned.get(2)).toBe(10);
    expect(indexSample(rows, 0).total).toBe(100);
  });
});
