import { z } from 'zod';
import { NOTIFICATION_TYPES } from './choicesMemory.js';
import { id, paginationQuery, queryBool, timestamp } from './common.js';

export const notificationListInput = z.object({
  page: paginationQuery.page,
  pageSize: paginationQuery.pageSize,
  nonLues: queryBool.describe('Seulement les notifications non lues').optional(),
});

export const notificationOutput = z.object({
  id: z.number().int(),
  type: z.enum(NOTIFICATION_TYPES),
  message: z.string(),
  /** Path of the SPA page it is about (e.g. `/taches/12`). */
  lien: z.string(),
  lue: z.boolean(),
  dateCreation: timestamp,
  dateLecture: timestamp.nullable(),
});
export type NotificationOut = z.infer<typeof notificationOutput>;
export const notificationIdInput = z.object({ id });
export const toutLuOutput = z.object({ marquees: z.number().int(), nonLues: z.number().int() });
