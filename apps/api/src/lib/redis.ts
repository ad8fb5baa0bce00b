import { Redis } from 'ioredis';

/**
 * Redis is optional and only ever an accelerator (shared login limits, answer cache, session-cache
 * invalidation): when it is down or unreachable every caller falls back to in-process behaviour, so
 * Redis must fail *fast*. No offline queue (a command while disconnected is refused at once instead
 * of waiting for a reconnection), a short connect timeout, a short command timeout, and a breaker:
 * a command that times out on a connection that looked ready (a stalled network) drops that
 * connection, so later commands are refused at once until a reconnection passes the ready check.
 */
export const REDIS_CONNECT_TIMEOUT_MS = 1_000;
export const REDIS_COMMAND_TIMEOUT_MS = 500;

export function createRedisClient(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect forever, backing off to one attempt every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: any, stream?: any) => {
    command.setTimeout = judgeRedisNotTheLoop;
    const out = send(command, stream);
    command.promise?.catch?.((err: Error) => {
      if (/timed out/i.test(err?.message ?? '') && redis.status !== 'end') redis.disconnect(true);
    });
    return out;
  }) as typeof redis.sendCommand;
  // Without a listener ioredis reports every failed (re)connection as an unhandled 'error' event.
  redis.on(
    'error',
    warnOncePerOutage(redis, 'Redis unavailable: continuing without it (in-process limits and caches)'),
  );
  return redis;
}

/**
 * ioredis's `Command#setTimeout` with one change: when the deadline passes, the verdict waits one turn
 * of the event loop (`setImmediate` runs after the poll phase, which reads the sockets). When this
 * process was busy past the deadline (CPU starved, a long synchronous task), the timer and Redis's
 * reply are due together and timers run first: ioredis called that a timeout, and the breaker above
 * dropped a healthy connection (the login limiter then counted per instance). A Redis that does not
 * answer still times out, one loop turn later.
 */
function judgeRedisNotTheLoop(this: any, ms: number): void {
  if (this._commandTimeoutTimer) return;
  this._commandTimeoutTimer = setTimeout(() => {
    setImmediate(() => {
      if (!this.isResolved) this.reject(new Error('Command timed out'));
    });
  }, ms);
}

/** One warning when an outage starts, none until Redis has been ready again. */
export function warnOncePerOutage(redis: Redis, message: string): (err: unknown) => void {
  let warned = false;
  redis.on('ready', () => (warned = false));
  return (err) => {
    if (warned) return;
    warned = true;
    console.warn(message, err instanceof Error ? err.message : err);
  };
}

/** `/api/health/`'s view of Redis: not configured, answering a PING in time, or not. */
export async function redisHealth(redis: Redis | undefined): Promise<'ok' | 'down' | 'off'> {
  if (!redis) return 'off';
  if (redis.status !== 'ready') return 'down';
  try {
    return (await redis.ping()) === 'PONG' ? 'ok' : 'down';
  } catch {
    return 'down';
  }
}
