import { z } from 'zod';
import { cleanString } from './common.js';
import { passwordSchema, userOutput } from './users.js';

export const loginInput = z.object({
  username: cleanString({ error: 'err.required' }).trim().min(1, 'err.required').max(254, 'err.too_long'),
  password: z.string({ error: 'err.required' }).min(1, 'err.required').max(200, 'err.too_long'),
});
export const loginOutput = z.object({ access: z.string(), refresh: z.string(), user: userOutput });
export const refreshInput = z.object({ refresh: z.string().max(500).optional() });
export const refreshOutput = z.object({ access: z.string(), refresh: z.string() });
export const passwordChangeInput = z.object({
  oldPassword: z.string({ error: 'err.required' }).min(1, 'err.required').max(200, 'err.too_long'),
  newPassword: passwordSchema,
});
