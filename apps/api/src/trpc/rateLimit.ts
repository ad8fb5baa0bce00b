import { ApiError } from '../lib/errors.js';
import type { Context } from './context.js';

/** Takes `cost` tokens from `key`'s bucket: `RateLimit-*` headers on the reply, 429 with `Retry-After` when empty. */
export async function limitRate(ctx: Context, key: string, capacity: number, cost: number): Promise<void> {
  const d = await ctx.deps.requestLimiter.take(key, capacity, cost);
  const headers: Record<string, string> = {
    'ratelimit-limit': String(d.limit),
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': String(d.resetSeconds),
    'ratelimit-policy': `${capacity};w=60`,
  };
  // On the reply itself: procedures (tRPC and REST) and plain routes (downloads) alike.
  for (const [k, v] of Object.entries(headers)) ctx.reply.header(k, v);
  if (!d.allowed) {
    ctx.reply.header('retry-after', String(d.retryAfter));
    throw new ApiError('TOO_MANY_REQUESTS', 'error.rate_limited', undefined, { 'retry-after': String(d.retryAfter) });
  }
}
