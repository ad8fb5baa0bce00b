import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  jwtSecret: string;
  /** `Secure` cookies everywhere except development and tests. */
  secureCookies: boolean;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Failed logins allowed per username, and per client IP (an office shares one), within the window. */
  loginMaxFailures: number;
  loginMaxFailuresPerIp: number;
  loginWindowSeconds: number;
  /** Outgoing mail: without SMTP_HOST, mails go to the local mailbox (`.eml` files under dataDir + the « Courriels » page). */
  smtp: {
    host?: string;
    port: number;
    secure: boolean;
    user?: string;
    pass?: string;
    from: string;
    timeoutSeconds: number;
  };
  mail: { retryBaseSeconds: number };
  /** Public address of the app, for links in e-mails (PUBLIC_URL, default http://HOST:PORT). */
  publicUrl: string;
  /**
   * Which proxies to believe about the client IP (`X-Forwarded-For`): `false` (none), a number of
   * trusted hops in front of the API, or a list of proxy addresses/CIDRs. `TRUST_PROXY=true` means
   * one hop (one load balancer): the client cannot choose its IP by sending its own header.
   */
  trustProxy: false | number | string[];
  /** PostgreSQL connections per instance; `dbStatementTimeoutMs` bounds every statement (0: none). */
  dbPoolMax: number;
  dbStatementTimeoutMs: number;
  /** Longest wait for a database connection before answering 503 with Retry-After. */
  dbQueueTimeoutMs: number;
  /** Token-bucket request limits per minute: per API key, and per user for session callers. */
  rateLimitKeyPerMinute: number;
  rateLimitUserPerMinute: number;
  webhooks: WebhooksConfig;
  webDist?: string;
  logLevel: string;
  /** Local files of the app (e.g. the local mailbox): DATA_DIR, default `<repo>/.data`. */
  dataDir: string;
  jobs: JobsConfig;
  backup: BackupConfig;
  /** The daily digest e-mail (services/resumeQuotidien.ts). */
  digest: DigestConfig;
  /** Lifetime of cached dashboard/report answers (CACHE_TTL_SECONDS, default 30); any write drops them at once. */
  cacheTtlSeconds: number;
  /** The issuing company printed on every devis (COMPANY_NAME, COMPANY_ADDRESS with `|` between lines, COMPANY_CONTACT, COMPANY_LEGAL). */
  company: CompanyInfo;
}

export interface CompanyInfo {
  nom: string;
  adresse: string[];
  contact: string;
  mentions: string;
}

export const CACHE_TTL_SECONDS = 30;

/** Which database to use (the commands that need no JWT secret read this alone): see database.ts. */
export interface DatabaseSettings {
  databaseUrl?: string;
  /** The embedded PostgreSQL used without DATABASE_URL (EMBEDDED_PG_DIR, EMBEDDED_PG_PORT). */
  embeddedPg: { dataDir: string; port: number };
}

export function loadDatabaseSettings(env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPg: {
      dataDir: env.EMBEDDED_PG_DIR ?? path.join(REPO_ROOT, '.data/pg'),
      port: Number(env.EMBEDDED_PG_PORT ?? 54329),
    },
  };
}

/** The company part of the settings alone (read by the devis documents and the SPA's warning). */
export function loadCompanyInfo(env: NodeJS.ProcessEnv = process.env): CompanyInfo {
  return {
    nom: env.COMPANY_NAME ?? 'CRM',
    adresse: (env.COMPANY_ADDRESS ?? '')
      .split('|')
      .map((l) => l.trim())
      .filter(Boolean),
    contact: env.COMPANY_CONTACT ?? '',
    mentions: env.COMPANY_LEGAL ?? '',
  };
}

export interface BackupConfig {
  /**
   * Cron (UTC) of the scheduled backup (BACKUP_SCHEDULE); null: none (`off`); undefined (unset):
   * the default, daily at 03:00 for the embedded database only (see jobs/backup.ts).
   */
  schedule: string | null | undefined;
  /** Where backups are written (BACKUP_DIR, default `<DATA_DIR>/backups`). */
  dir: string;
  /** How many backups are kept, the newest (BACKUP_KEEP, default 14). */
  keep: number;
  /** Folder of a pg_dump/pg_restore matching the server's major version, when not on PATH (BACKUP_PG_BIN). */
  pgBin?: string;
  /** The directory the command was typed in (pnpm runs scripts in the package folder): relative paths of `pnpm restore FILE`. */
  cwd: string;
}

const dataDirOf = (env: NodeJS.ProcessEnv) => path.resolve(env.DATA_DIR ?? path.join(REPO_ROOT, '.data'));

/** The backup settings alone (the backup/restore commands need no JWT secret). */
export function loadBackupConfig(env: NodeJS.ProcessEnv = process.env): BackupConfig {
  const schedule = env.BACKUP_SCHEDULE?.trim();
  return {
    schedule: schedule === undefined || schedule === '' ? undefined : schedule === 'off' ? null : schedule,
    dir: path.resolve(env.BACKUP_DIR ?? path.join(dataDirOf(env), 'backups')),
    keep: Math.max(1, Number(env.BACKUP_KEEP ?? 14) || 14),
    pgBin: env.BACKUP_PG_BIN || undefined,
    cwd: env.INIT_CWD ?? process.cwd(),
  };
}

export interface DigestConfig {
  /** Cron of the daily digest e-mail (DIGEST_SCHEDULE, default weekdays at 07:00; `off`: none). */
  schedule: string | null;
  /** Its time zone (DIGEST_TZ, default Europe/Paris). */
  tz: string;
}

export function loadDigestConfig(env: NodeJS.ProcessEnv = process.env): DigestConfig {
  const schedule = env.DIGEST_SCHEDULE?.trim();
  return {
    schedule: schedule === 'off' ? null : schedule || '0 7 * * 1-5',
    tz: env.DIGEST_TZ?.trim() || 'Europe/Paris',
  };
}

export interface WebhooksConfig {
  /** http:// and private/loopback targets (WEBHOOKS_ALLOW_PRIVATE=true, never in production): local receivers in development and tests. */
  allowPrivate: boolean;
  /** First retry after this many seconds, doubling, at most an hour apart (WEBHOOK_RETRY_BASE_SECONDS, default 10). */
  retryBaseSeconds: number;
  /** A message is retried this long before it is marked failed (24 h). */
  maxAgeSeconds: number;
  /** Consecutive failed attempts after which the webhook is disabled (WEBHOOK_DISABLE_AFTER_FAILURES, default 30 ≈ a day of retries). */
  disableAfterFailures: number;
  timeoutMs: number;
}

export interface JobsConfig {
  /** Run the queue's workers in this process (JOBS_WORKERS, default true); false: only enqueue (see `pnpm worker`). */
  workers: boolean;
  /** How often an idle worker looks for jobs enqueued by other processes (its own are picked at once). */
  pollingIntervalSeconds: number;
  /** How often expired (e.g. killed mid-job) jobs are failed and retried, and old ones archived. */
  maintenanceIntervalSeconds: number;
  /** Pool size of `pnpm worker` (minus 2); the queue itself uses the process's ORM pool. */
  poolMax: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const dev = (env.NODE_ENV ?? 'development') !== 'production';
  const jwtSecret = env.JWT_SECRET ?? (dev ? randomBytes(32).toString('hex') : '');
  if (!jwtSecret || jwtSecret.length < 32) throw new Error('JWT_SECRET (>= 32 characters) is required in production');
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX ?? 'crm:',
    jwtSecret,
    secureCookies: env.COOKIE_SECURE ? env.COOKIE_SECURE === 'true' : !dev,
    accessTtlSeconds: 15 * 60,
    refreshTtlSeconds: 7 * 24 * 3600,
    loginMaxFailures: 5,
    loginMaxFailuresPerIp: 30,
    loginWindowSeconds: 15 * 60,
    rateLimitKeyPerMinute: Number(env.RATE_LIMIT_KEY_PER_MINUTE ?? 600),
    rateLimitUserPerMinute: Number(env.RATE_LIMIT_USER_PER_MINUTE ?? 1200),
    webhooks: {
      allowPrivate: dev && env.WEBHOOKS_ALLOW_PRIVATE === 'true',
      retryBaseSeconds: Number(env.WEBHOOK_RETRY_BASE_SECONDS ?? 10),
      maxAgeSeconds: 24 * 3600,
      disableAfterFailures: Number(env.WEBHOOK_DISABLE_AFTER_FAILURES ?? 30),
      timeoutMs: Number(env.WEBHOOK_TIMEOUT_MS ?? 10_000),
    },
    smtp: {
      host: env.SMTP_HOST || undefined,
      port: Number(env.SMTP_PORT ?? (env.SMTP_SECURE === 'true' ? 465 : 587)),
      secure: env.SMTP_SECURE === 'true',
      user: env.SMTP_USER,
      pass: env.SMTP_PASS,
      from: env.SMTP_FROM ?? 'CRM <no-reply@crm.local>',
      timeoutSeconds: Number(env.SMTP_TIMEOUT_SECONDS ?? 30),
    },
    mail: { retryBaseSeconds: Number(env.MAIL_RETRY_SECONDS ?? 30) },
    publicUrl: (env.PUBLIC_URL ?? `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? 3000}`).replace(/\/+$/, ''),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    dbPoolMax: Math.max(1, positiveInt(env.DB_POOL_MAX, 10)),
    dbStatementTimeoutMs: positiveInt(env.DB_STATEMENT_TIMEOUT_MS, 10_000),
    dbQueueTimeoutMs: positiveInt(env.DB_QUEUE_TIMEOUT_MS, 4_000),
    webDist: env.WEB_DIST,
    logLevel: env.LOG_LEVEL ?? (dev ? 'info' : 'warn'),
    dataDir: dataDirOf(env),
    jobs: {
      workers: env.JOBS_WORKERS !== 'false',
      pollingIntervalSeconds: Number(env.JOBS_POLL_SECONDS ?? 2),
      maintenanceIntervalSeconds: Number(env.JOBS_MAINTENANCE_SECONDS ?? 60),
      poolMax: Number(env.JOBS_POOL_MAX ?? 3),
    },
    backup: loadBackupConfig(env),
    digest: loadDigestConfig(env),
    cacheTtlSeconds: Number(env.CACHE_TTL_SECONDS ?? CACHE_TTL_SECONDS),
    company: loadCompanyInfo(env),
    ...overrides,
  };
}

function positiveInt(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** `false`/unset, `true` (= 1 hop), a hop count, or a comma-separated list of proxy addresses/CIDRs. */
export function parseTrustProxy(text: string | undefined): false | number | string[] {
  const v = (text ?? '').trim();
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true') return 1;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
