import { z } from 'zod';
import { isMessageKey, MESSAGES, type Lang } from '@crm/shared';

export type { Lang };

/** `Accept-Language: en…` → English; anything else → French (the default). */
export function langFromHeader(header: string | string[] | undefined): Lang {
  const h = (Array.isArray(header) ? header[0] : (header ?? '')).trim().toLowerCase();
  if (!h) return 'fr';
  // Take the first language tag the client lists that we support.
  for (const part of h.split(',')) {
    const tag = part.split(';')[0].trim();
    if (tag.startsWith('fr')) return 'fr';
    if (tag.startsWith('en')) return 'en';
  }
  return 'fr';
}

export function translate(lang: Lang, key: string): string {
  return isMessageKey(key) ? MESSAGES[lang][key] : key;
}

const zodLocales = { fr: z.locales.fr(), en: z.locales.en() };

/** One Zod issue → a message in `lang`: our keys are translated, others go through Zod's locale. */
export function issueMessage(lang: Lang, issue: z.core.$ZodIssue): string {
  if (isMessageKey(issue.message)) return MESSAGES[lang][issue.message];
  if (issue.code === 'invalid_type' && /undefined/.test(issue.message)) return MESSAGES[lang]['err.required'];
  if (issue.code === 'unrecognized_keys') return MESSAGES[lang]['err.invalid'];
  const out = zodLocales[lang].localeError(issue as never);
  return (typeof out === 'string' ? out : out?.message) ?? MESSAGES[lang]['err.invalid'];
}

export function zodFieldErrors(lang: Lang, issues: readonly z.core.$ZodIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.length ? issue.path.join('.') : 'nonFieldErrors';
    out[key] ??= [];
    out[key].push(issueMessage(lang, issue));
  }
  return out;
}
