import { z } from 'zod';
import { ROLES } from './choices.js';
import { choice, email, optionalText, orderingParam, paginationQuery, partialOf, phone, requiredText, id, timestamp } from './common.js';

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
export const userCreateInput = z.object({ ...userFields, password: passwordSchema }).superRefine(notUsername);
export const userPatchInput = z.object({ id, ...partialOf(userFields), password: passwordSchema.optional() });
/** `role` orders by rank: admin, manager, commercial. */
export const USER_ORDERING = ['username', 'lastName', 'dateCreation', 'role'] as const;
export const userListInput = z.object({ ...paginationQuery, ordering: orderingParam(USER_ORDERING), isActive: z.enum(['true', 'false']).optional() });

export const userOutput = z.object({
  id: z.number().int(),
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
});
export type UserOut = z.infer<typeof userOutput>;
