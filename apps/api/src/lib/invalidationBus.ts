import type { Redis } from 'ioredis';
import { warnOncePerOutage } from './redis.js';

/** Channel (after the configured Redis prefix) on which revocations and count invalidations travel. */
export const INVALIDATION_CHANNEL = 'invalidate';

export type Invalidation =
  | { sessions: string[] }
  | { users: number[] }
  | { counts: string[] }
  | { notifications: number[] };

/**
 * Redis pub/sub between API instances: each instance subscribes (on its own connection) and drops
 * what the others invalidate. `healthy` is false while the subscription is not live (startup,
 * Redis down, reconnecting) or the command connection is not ready (a partition is detected there
 * first, by a command timeout, while an idle subscription notices nothing): messages may be missed
 * then, so the caches are bypassed, and emptied when Redis is back.
 */
export class InvalidationBus {
  private readonly sub: Redis;
  private live = false;
  get healthy(): boolean {
    return this.live && this.redis.status === 'ready';
  }
  private readonly subscribed: Promise<void>;

  private readonly channel: string;
  private readonly warn: (err: unknown) => void;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly onMessage: (m: Invalidation) => void,
    private readonly onReset: () => void,
  ) {
    this.channel = `${prefix}${INVALIDATION_CHANNEL}`;
    this.sub = redis.duplicate({ maxRetriesPerRequest: null });
    this.sub.on('message', (_channel: string, text: string) => {
      try {
        this.onMessage(JSON.parse(text) as Invalidation);
      } catch {
        /* not ours */
      }
    });
    const down = () => {
      this.live = false;
      this.onReset();
    };
    redis.on('ready', () => this.onReset());
    this.sub.on('close', down);
    this.sub.on('reconnecting', down);
    this.sub.on('error', () => {});
    this.warn = warnOncePerOutage(
      redis,
      'invalidation not published (Redis unavailable); other instances bypass their caches meanwhile',
    );
    const subscribe = () =>
      this.sub.subscribe(this.channel).then(() => {
        // Anything cached before (re)subscribing may have missed a message.
        this.onReset();
        this.live = true;
      });
    let resolveReady!: () => void;
    this.subscribed = new Promise((resolve) => (resolveReady = resolve));
    this.sub.on('ready', () => void subscribe().then(resolveReady, () => {}));
  }

  ready(): Promise<void> {
    return this.subscribed;
  }

  async publish(m: Invalidation): Promise<boolean> {
    try {
      await this.redis.publish(this.channel, JSON.stringify(m));
      return true;
    } catch (err) {
      // The database change is committed; other instances drop a session after the session cache's TTL at most,
      // and an instance whose subscription is down does not use its cache at all.
      this.warn(err);
      return false;
    }
  }

  close(): void {
    this.sub.disconnect();
  }
}
