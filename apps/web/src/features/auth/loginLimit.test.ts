import { describe, expect, it } from 'vitest';
import { loginLimitMessage, waitText } from './loginLimit';

const failed = (code: string, headers: Record<string, string>, message = 'Identifiants invalides.') => ({
  message,
  data: { code },
  meta: { response: { headers: new Headers(headers) } },
});

describe('login lockout messages', () => {
  it('says how long to wait after a 429, from Retry-After', () => {
    expect(loginLimitMessage(failed('TOO_MANY_REQUESTS', { 'Retry-After': '300' }))).toBe(
      'Trop de tentatives. Réessayez dans 5 minutes.',
    );
    expect(loginLimitMessage(failed('TOO_MANY_REQUESTS', { 'Retry-After': '61' }))).toBe(
      'Trop de tentatives. Réessayez dans 2 minutes.',
    );
    expect(waitText(1)).toBe('1 seconde');
    expect(waitText(45)).toBe('45 secondes');
    expect(waitText(60)).toBe('1 minute');
    expect(loginLimitMessage(failed('TOO_MANY_REQUESTS', {}))).toBeNull();
  });

  it('warns only near the end, from RateLimit-Remaining', () => {
    expect(loginLimitMessage(failed('UNAUTHORIZED', { 'RateLimit-Remaining': '3' }))).toBeNull();
    expect(loginLimitMessage(failed('UNAUTHORIZED', { 'RateLimit-Remaining': '2' }))).toBe(
      'Identifiants invalides. Il vous reste 2 tentatives avant le blocage temporaire de la connexion.',
    );
    expect(loginLimitMessage(failed('UNAUTHORIZED', { 'RateLimit-Remaining': '1' }))).toContain(
      'Il vous reste 1 tentative avant',
    );
    expect(loginLimitMessage(failed('UNAUTHORIZED', {}))).toBeNull();
    expect(loginLimitMessage(new Error('réseau'))).toBeNull();
  });
});
