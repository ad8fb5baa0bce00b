import { describe, expect, it } from 'vitest';
import { formatCents, formatDate, formatMoney, formatMonth, formatPercent, parseDecimal } from './format';

describe('French formatting', () => {
  it('formats money with a space as thousands separator and a comma', () => {
    expect(formatMoney(1234.5)).toBe('1 234,50 €');
    expect(formatMoney(0)).toBe('0,00 €');
    expect(formatMoney(null)).toBe('—');
    expect(formatCents(309480)).toBe('3 094,80 €');
  });
  it('formats calendar dates without a time-zone shift', () => {
    expect(formatDate('2026-01-01')).toBe('1 janv. 2026');
    expect(formatDate(null)).toBe('—');
    expect(formatMonth('2026-03')).toBe('mars 26');
  });
  it('formats ratios as percentages', () => {
    expect(formatPercent(0.5)).toBe('50 %');
    expect(formatPercent(0.3333)).toBe('33,3 %');
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
