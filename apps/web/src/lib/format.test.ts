import { describe, expect, it } from 'vitest';
import {
  formatCents,
  formatDate,
  formatMoney,
  formatMonth,
  formatPercent,
  formatPhone,
  parseDecimal,
  plural,
} from './format';

const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

describe('French formatting', () => {
  it('formats money with no-break spaces (never wraps) and a comma', () => {
    expect(formatMoney(1234.5)).toBe('1\u202f234,50\u00a0€');
    expect(formatMoney(1234.5)).not.toMatch(/ /);
    expect(plain(formatMoney(0))).toBe('0,00 €');
    expect(formatMoney(null)).toBe('—');
    expect(plain(formatCents(309480))).toBe('3 094,80 €');
  });
  it('agrees in number and shows French phone numbers in national form', () => {
    expect(plain(plural(1, 'gagnée', 'gagnées'))).toBe('1 gagnée');
    expect(plain(plural(0, 'gagnée', 'gagnées'))).toBe('0 gagnée');
    expect(plain(plural(2, 'gagnée', 'gagnées'))).toBe('2 gagnées');
    expect(plain(formatPhone('+33123456789'))).toBe('01 23 45 67 89');
    expect(formatPhone('+4930123456')).toBe('+4930123456');
  });
  it('formats calendar dates without a time-zone shift', () => {
    expect(formatDate('2026-01-01')).toBe('1 janv. 2026');
    expect(formatDate(null)).toBe('—');
    expect(formatMonth('2026-03')).toBe('mars 26');
  });
  it('formats ratios as percentages', () => {
    expect(plain(formatPercent(0.5))).toBe('50 %');
    expect(plain(formatPercent(0.3333))).toBe('33,3 %');
  });
});

describe('parseDecimal', () => {
  it('reads what people type in French', () => {
    expect(parseDecimal('1 234,50')).toBe(1234.5);
    expect(parseDecimal('12.5')).toBe(12.5);
    expect(parseDecimal(' 80 € ')).toBe(80);
    expect(parseDecimal('')).toBeNull();
    expect(parseDecimal('douze')).toBeNaN();
    expect(parseDecimal('1,2,3')).toBeNaN();
  });
});
