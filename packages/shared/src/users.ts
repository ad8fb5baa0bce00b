import { z } from 'zod';
import { ROLES } from './choices.js';
import {
  choice,
  email,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  phone,
  requiredText,
  id,
  idOut,
  timestamp,
} from './common.js';

export const passwordSchema = z
  .string({ error: 'err.required' })
  .min(10, 'err.password_short')
  .max(200, 'err.too_long')
  .refine((p) => !/^\d+$/.test(p), 'err.password_digits');

export const userFields = {
  username: requiredText(150),
  email: z.union([z.literal(''), email], { error: 'err.email' }).default(''),
  firstName: optionalText(150).default(''),
  lastName: optionalText(150).default(''),
  role: choice(ROLES).default('commercial'),
  departement: optionalText(100).default(''),
  telephone: phone.default(''),
  isActive: z.boolean({ error: 'err.boolean' }).default(true),
};
const notUsername = (v: { username?: string; password?: string }, ctx: z.RefinementCtx) => {
  if (v.password && v.username && v.password.toLowerCase() === v.username.toLowerCase())
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'err.password_username' });
};
export const userCreateInput = z
  .object({ ...userFields, password: passwordSchema })
  .superRefine(notUsername)
  .meta({ id: 'UserCreate', description: 'Nouvel utilisateur (admin)' });
export const userPatchInput = z.object({ id, ...partialOf(userFields), password: passwordSchema.optional() }).meta({
  id: 'UserPatch',
  description: "Champs de l'utilisateur à modifier ; isActive: false le désactive et révoque ses sessions",
});
/** `role` orders by rank: admin, manager, commercial. */
export const USER_ORDERING = ['username', 'lastName', 'dateCreation', 'role'] as const;
export const userListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(USER_ORDERING),
  isActive: z
    .enum(['true', 'false'])
    .meta({
      override: { type: 'boolean', enum: undefined },
      description: 'Actifs (true) ou désactivés (false) seulement',
    })
    .optional(),
});

export const userOutput = z
  .object({
    id: idOut,
    username: z.string(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    role: z.enum(ROLES),
    departement: z.string(),
    telephone: z.string(),
    isStaff: z.boolean(),
    isAdmin: z.boolean(),
    isActive: z.boolean(),
    dateCreation: timestamp,
  })
  .meta({
    id: 'User',
    description: 'Utilisateur (jamais de mot de passe ni de hash)',
    examples: [
      {
        id: 3,
        username: 'paul',
        email: 'paul@example.fr',
        firstName: 'Paul',
        lastName: 'Martin',
        role: 'commercial',
        departement: 'Ventes',
        telephone: '+33612345678',
        isStaff: false,
        isAdmin: false,
        isActive: true,
        dateCreation: '2026-01-02T08:00:00Z',
      },
    ],
  });
export type UserOut = z.infer<typeof userOutput>;
