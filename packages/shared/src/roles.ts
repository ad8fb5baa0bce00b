import type { Role } from './choices.js';

/**
 * « Admin or manager »: the staff roles. They see every record (a commercial only their clients'
 * and their own taches), may delete, and may assign records to anyone. The one definition, used by
 * the API's visibility and role checks and by the SPA.
 */
export const STAFF_ROLES = ['admin', 'manager'] as const satisfies readonly Role[];

export const isStaff = (user: { role: Role }): boolean => (STAFF_ROLES as readonly Role[]).includes(user.role);
