import { describe, expect, it } from 'vitest';
import { withCurrent } from './OptionsSelect';
import { compact, toId } from '../lib/useListParams';

describe('withCurrent', () => {
  const opts: [string, string][] = [['1', 'Acme']];
  it('keeps the edited value even when the picker did not load it', () => {
    expect(withCurrent(opts, '9', 'Zeta')).toEqual([['9', 'Zeta'], ['1', 'Acme']]);
    expect(withCurrent(opts, '9', null)).toEqual([['9', 'n° 9'], ['1', 'Acme']]);
  });
  it('changes nothing when the value is listed or empty', () => {
    expect(withCurrent(opts, '1', 'Acme')).toBe(opts);
    expect(withCurrent(opts, '', 'x')).toBe(opts);
  });
});

describe('URL list params', () => {
  it('drops empty filters and reads ids', () => {
    expect(compact({ search: '', page: 2, client: undefined, statut: 'en_cours' })).toEqual({ page: 2, statut: 'en_cours' });
    expect([toId('12'), toId(''), toId('abc'), toId('0')]).toEqual([12, undefined, undefined, undefined]);
  });
});
