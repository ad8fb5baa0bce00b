import { z } from 'zod';
import { loginInput, loginOutput, passwordChangeInput, refreshInput, refreshOutput, userOutput } from '@crm/shared';
import { ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH } from '../auth/cookies.js';
import { authenticate } from '../trpc/authenticate.js';
import type { Context } from '../trpc/context.js';
import { checkCsrf } from '../trpc/csrf.js';
import { router } from '../trpc/init.js';
import { authedProcedure, publicProcedure } from '../trpc/procedures.js';
import { ApiError, fieldError, unauthorized } from '../lib/errors.js';
import { dummyVerify, verifyPassword } from '../auth/passwords.js';
import { findLoginAccount, passwordOf, setPassword } from '../services/accounts.js';
import { getUser } from '../services/users/queries.js';
import { audit } from '../services/audit.js';

const tags = ['auth'];

function cookieBase(ctx: Context) {
  return { path: '/', sameSite: 'lax' as const, secure: ctx.deps.config.secureCookies };
}

/**
 * The SPA's cookies: the access JWT (httpOnly, every path), the refresh token (httpOnly, only sent
 * to `/api/auth/`: the SPA refreshes and logs out through REST) and the CSRF token, readable by
 * the SPA which echoes it in `X-CSRFToken` on state-changing requests.
 */
function setAuthCookies(ctx: Context, access: string, refresh: string, sessionId: string): void {
  const { accessTtlSeconds, refreshTtlSeconds } = ctx.deps.config;
  const base = cookieBase(ctx);
  ctx.reply.setCookie(ACCESS_COOKIE, access, { ...base, httpOnly: true, maxAge: accessTtlSeconds });
  ctx.reply.setCookie(REFRESH_COOKIE, refresh, {
    ...base,
    path: REFRESH_COOKIE_PATH,
    httpOnly: true,
    maxAge: refreshTtlSeconds,
  });
  ctx.reply.setCookie(CSRF_COOKIE, ctx.deps.tokens.csrfToken(sessionId), {
    ...base,
    httpOnly: false,
    maxAge: refreshTtlSeconds,
  });
}

function clearAuthCookies(ctx: Context): void {
  const base = cookieBase(ctx);
  ctx.reply.clearCookie(ACCESS_COOKIE, { ...base, httpOnly: true });
  ctx.reply.clearCookie(REFRESH_COOKIE, { ...base, path: REFRESH_COOKIE_PATH, httpOnly: true });
  ctx.reply.clearCookie(CSRF_COOKIE, base);
}

/** Documented on login and refresh: the SPA's cookies come with the tokens. */
const sessionCookies = z.object({
  'Set-Cookie': z
    .string()
    .describe(
      '`crm_access` (httpOnly), `crm_refresh` (httpOnly, Path=/api/auth/) et `csrftoken` (lisible, à renvoyer en X-CSRFToken)',
    ),
});

const tooManyRequests = (retryAfter: number) =>
  new ApiError('TOO_MANY_REQUESTS', 'error.too_many_requests', undefined, {
    'Retry-After': String(retryAfter),
    'RateLimit-Remaining': '0',
  });

/**
 * On a failed login: how many more failures are allowed before 429 (the tightest of the typed
 * name's, the account's and the IP's budgets), so that a login form can warn before the lockout.
 * The count is the same for an existing and an unknown name: it tells nothing about accounts.
 */
const remainingHeader = {
  'RateLimit-Remaining': {
    required: true,
    description:
      'Échecs encore permis avant le blocage (429) : le plus petit des budgets du nom, du compte et de l’adresse IP',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

/** The session named by the access token, or, when it has expired, by the refresh cookie (logout must still work). */
async function sessionToEnd(ctx: Context): Promise<{ sessionId: string; userId: number }> {
  try {
    const auth = await authenticate(ctx);
    return { sessionId: auth.sessionId, userId: auth.user.id };
  } catch (err) {
    const refresh = ctx.req.cookies?.[REFRESH_COOKIE];
    if (!(err instanceof ApiError && err.code === 'UNAUTHORIZED') || !refresh) throw err;
    const session = await ctx.deps.sessions.findByRefresh(ctx.em, refresh);
    if (!session) {
      clearAuthCookies(ctx);
      throw err;
    }
    checkCsrf(ctx, session.sessionId);
    return session;
  }
}

export const authRouter = router({
  login: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/login/',
        tags,
        protect: false,
        summary: 'Connexion (jetons JWT + cookies httpOnly)',
        description:
          "Nom d'utilisateur ou e-mail et mot de passe. Répond `{ access, refresh, user }` et pose les cookies de la SPA. " +
          'Même réponse 401 pour un utilisateur inconnu, un mauvais mot de passe ou un compte désactivé. Après 5 échecs pour un ' +
          'nom ou 30 pour une adresse IP en 15 minutes : 429 avec `Retry-After`, même avec le bon mot de passe.',
        responseHeaders: sessionCookies,
      },
      errors: {
        401: {
          description:
            'Identifiants invalides ou compte désactivé ; `RateLimit-Remaining` : échecs encore permis avant le blocage',
          headers: remainingHeader,
        },
        429: {
          description:
            "Trop d'échecs pour ce nom d'utilisateur (5) ou cette adresse IP (30) en 15 minutes, même avec le bon mot de passe",
          headers: remainingHeader,
        },
      },
    })
    .input(loginInput)
    .output(loginOutput)
    .mutation(async ({ ctx, input }) => {
      const account = await findLoginAccount(ctx.em, input.username);
      // Failures count per typed name, per account (its username: typing the e-mail spends the same
      // budget) and per IP.
      const userKeys = [
        ...new Set([
          `u:${input.username.toLowerCase()}`,
          ...(account ? [`u:${account.user.username.toLowerCase()}`] : []),
        ]),
      ];
      const ipKey = `ip:${ctx.ip}`;
      const { loginMaxFailures, loginMaxFailuresPerIp } = ctx.deps.config;
      const { retryAfter, ticket, remaining } = await ctx.deps.loginLimiter.attempt([
        ...userKeys.map((key) => ({ key, max: loginMaxFailures })),
        { key: ipKey, max: loginMaxFailuresPerIp },
      ]);
      if (retryAfter > 0) throw tooManyRequests(retryAfter);
      const ok = account
        ? await verifyPassword(account.passwordHash, input.password)
        : await dummyVerify(input.password);
      if (!account || !ok || !account.isActive) {
        await audit(ctx.em, {
          userId: account?.user.id ?? null,
          action: 'login_failed',
          details: {
            username: input.username.slice(0, 150),
            reason: !account ? 'unknown' : !ok ? 'password' : 'inactive',
          },
          ip: ctx.ip,
        });
        // Same answer for an unknown user, a wrong password and an inactive account.
        throw new ApiError('UNAUTHORIZED', 'error.invalid_credentials', undefined, {
          'RateLimit-Remaining': String(remaining),
        });
      }
      for (const k of userKeys) await ctx.deps.loginLimiter.reset(k);
      await ctx.deps.loginLimiter.forgive([ipKey], ticket);
      const { sessionId, refresh } = await ctx.deps.sessions.create(ctx.em, account.user.id, {
        ip: ctx.ip,
        userAgent: String(ctx.req.headers['user-agent'] ?? ''),
      });
      const access = await ctx.deps.tokens.signAccess(account.user.id, sessionId);
      setAuthCookies(ctx, access, refresh, sessionId);
      await audit(ctx.em, {
        userId: account.user.id,
        action: 'login',
        details: { sessionId: sessionId.slice(0, 8) },
        ip: ctx.ip,
      });
      return { access, refresh, user: account.user };
    }),

  refresh: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/refresh/',
        tags,
        protect: false,
        summary: 'Rafraîchissement du jeton (usage unique)',
        description:
          '`{ "refresh" }` dans le corps, ou sans corps avec le cookie de rafraîchissement (et l’en-tête X-CSRFToken). ' +
          'Répond une nouvelle paire ; l’ancien jeton de rafraîchissement est retiré, et le présenter de nouveau révoque toute la session.',
        responseHeaders: sessionCookies,
      },
      errors: {
        401: 'Jeton absent, invalide, expiré ou déjà utilisé (un jeton réutilisé révoque toute la session)',
        403: 'Échec CSRF (rafraîchissement par cookie sans en-tête X-CSRFToken)',
      },
    })
    .input(refreshInput)
    .output(refreshOutput)
    .mutation(async ({ ctx, input }) => {
      const fromCookie = !input.refresh;
      const presented = input.refresh ?? ctx.req.cookies?.[REFRESH_COOKIE];
      if (!presented) throw unauthorized('error.token_invalid');
      // The SPA refreshes by cookie: like any cookie-authenticated POST it must pass the CSRF check.
      if (fromCookie) checkCsrf(ctx, presented.split('.')[0]);
      const result = await ctx.deps.sessions.rotate(ctx.em, presented);
      if (result && 'reused' in result) {
        // A retired token came back: someone holds a copy. The whole session is revoked (theft detection).
        await ctx.deps.sessionCache.invalidate([result.sessionId]);
        await audit(ctx.em, {
          userId: result.userId,
          action: 'refresh_reuse',
          details: { sessionId: result.sessionId.slice(0, 8) },
          ip: ctx.ip,
        });
        clearAuthCookies(ctx);
        throw unauthorized('error.token_invalid');
      }
      if (!result) throw unauthorized('error.token_invalid');
      const access = await ctx.deps.tokens.signAccess(result.userId, result.sessionId);
      setAuthCookies(ctx, access, result.refresh, result.sessionId);
      return { access, refresh: result.refresh };
    }),

  logout: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/logout/',
        tags,
        summary: 'Déconnexion (session révoquée)',
        description:
          'La session est révoquée à l’instant (ses jetons d’accès sont refusés aussitôt) et les cookies effacés. Répond 204, sans corps.',
      },
      successStatus: 204,
    })
    .input(z.object({}).optional())
    .output(z.void())
    .mutation(async ({ ctx }) => {
      const { sessionId, userId } = await sessionToEnd(ctx);
      await ctx.deps.sessions.revoke(ctx.em, sessionId, 'logout');
      await ctx.deps.sessionCache.invalidate([sessionId]);
      await audit(ctx.em, { userId, action: 'logout', details: { sessionId: sessionId.slice(0, 8) }, ip: ctx.ip });
      clearAuthCookies(ctx);
    }),

  user: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/user/', tags, summary: "Informations sur l'utilisateur connecté" } })
    .input(z.object({}).optional())
    .output(userOutput)
    .query(({ ctx }) => getUser(ctx.em, ctx.user.id)),

  changePassword: authedProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/auth/password/change/',
        tags,
        summary: 'Changement de mot de passe (autres sessions révoquées)',
        description:
          'Mauvais mot de passe actuel : 400 sur `oldPassword`. Les autres sessions de l’utilisateur sont révoquées ; la session courante reste valable. Répond 204, sans corps.',
      },
      successStatus: 204,
      errors: { 429: "Trop d'essais du mot de passe actuel" },
    })
    .input(passwordChangeInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      // Guessing the current password with a stolen access token is limited like logins.
      const limitKeys = [`pwd:${ctx.user.id}`];
      const { retryAfter, ticket } = await ctx.deps.loginLimiter.attempt([
        { key: limitKeys[0], max: ctx.deps.config.loginMaxFailures },
      ]);
      if (retryAfter > 0) throw tooManyRequests(retryAfter);
      const row = await passwordOf(ctx.em, ctx.user.id);
      if (!row || !(await verifyPassword(row.password_hash, input.oldPassword))) {
        await audit(ctx.em, { userId: ctx.user.id, action: 'password_change_failed', ip: ctx.ip });
        throw fieldError('oldPassword', 'err.password_wrong');
      }
      await ctx.deps.loginLimiter.forgive(limitKeys, ticket);
      if (input.newPassword.toLowerCase() === row.username.toLowerCase())
        throw fieldError('newPassword', 'err.password_username');
      await setPassword(ctx.em, ctx.user.id, input.newPassword);
      const revoked = await ctx.deps.sessions.revokeUser(ctx.em, ctx.user.id, 'password_change', ctx.sessionId);
      await ctx.deps.sessionCache.invalidate(revoked);
      await audit(ctx.em, {
        userId: ctx.user.id,
        action: 'password_change',
        details: { revokedSessions: revoked.length },
        ip: ctx.ip,
      });
    }),
});
