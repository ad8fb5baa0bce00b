import { isStaff } from '@crm/shared';
import { createContext, useContext } from 'react';
import type { RouterOutputs } from './trpc';

export type CurrentUser = RouterOutputs['auth']['user'];

export const CurrentUserContext = createContext<CurrentUser | null>(null);

export function useCurrentUser(): CurrentUser {
  const user = useContext(CurrentUserContext);
  if (!user) throw new Error('useCurrentUser outside of an authenticated page');
  return user;
}

/** DELETE is for admins and managers only (the API answers 403 to commerciaux). */
export const canDelete = (user: Pick<CurrentUser, 'role'>): boolean => isStaff(user);

export const displayName = (u: { firstName?: string; lastName?: string; username: string }): string =>
  [u.firstName, u.lastName].filter(Boolean).join(' ') || u.username;
