import { z } from 'zod';
import { cleanString } from './common.js';
import { passwordSchema, userOutput } from './users.js';

export const loginInput = z
  .object({
    username: cleanString({ error: 'err.required' })
      .trim()
      .min(1, 'err.required')
      .max(254, 'err.too_long')
      .describe("Nom d'utilisateur ou e-mail"),
    password: z.string({ error: 'err.required' }).min(1, 'err.required').max(200, 'err.too_long'),
  })
  .meta({ id: 'Login', examples: [{ username: 'paul', password: 'Demo-CRM-2026!' }] });
const access = z.string().describe("Jeton d'accès JWT (15 minutes), à envoyer en `Authorization: Bearer`");
const refresh = z.string().describe('Jeton de rafraîchissement (7 jours, usage unique)');
export const loginOutput = z.object({ access, refresh, user: userOutput }).meta({ id: 'LoginResult' });
export const refreshInput = z
  .object({ refresh: z.string().max(500).describe('Absent : le cookie de rafraîchissement est utilisé').optional() })
  .meta({ id: 'Refresh', description: 'Corps facultatif quand le cookie de rafraîchissement est envoyé' });
export const refreshOutput = z.object({ access, refresh }).meta({ id: 'Tokens' });
export const passwordChangeInput = z
  .object({
    oldPassword: z.string({ error: 'err.required' }).min(1, 'err.required').max(200, 'err.too_long'),
    newPassword: passwordSchema.describe(
      '10 caractères au moins, pas uniquement des chiffres, différent du nom d’utilisateur',
    ),
  })
  .meta({ id: 'PasswordChange' });
