/** The SPA's cookies (set by the auth procedures, read by authentication). */
export const ACCESS_COOKIE = 'crm_access';
export const REFRESH_COOKIE = 'crm_refresh';
/** The refresh cookie only travels to the REST auth endpoints (refresh, logout). */
export const REFRESH_COOKIE_PATH = '/api/auth/';
export const CSRF_COOKIE = 'csrftoken';
export const CSRF_HEADER = 'x-csrftoken';
