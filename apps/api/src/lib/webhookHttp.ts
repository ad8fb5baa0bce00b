import { createHmac } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/**
 * Outgoing webhook requests: Standard Webhooks signatures and an SSRF-safe POST.
 *
 * - Signature (https://www.standardwebhooks.com/): `webhook-signature: v1,<base64 HMAC-SHA256 of
 *   "${webhook-id}.${webhook-timestamp}.${body}">`, keyed by the base64 part of the `whsec_` secret.
 * - SSRF: unless private targets are allowed (development), every address the host resolves to is
 *   checked at connection time (no DNS-rebinding gap between a check and the connection), literal
 *   private/loopback/link-local addresses are refused, redirects are never followed (a 3xx is a
 *   failure), and the request has a hard timeout.
 */
export const SECRET_PREFIX = 'whsec_';

export function signWebhook(secret: string, msgId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

const V4_PRIVATE: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 (carrier-grade NAT)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata 169.254.169.254)
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 (benchmarking)
  [0xe0000000, 3], // multicast and reserved (224/3)
];

/** Loopback, private, link-local, CGNAT, multicast and unspecified addresses (IPv4 and IPv6). */
export function isPrivateAddress(ip: string): boolean {
  if (net.isIPv4(ip)) {
    const n = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    return V4_PRIVATE.some(([base, bits]) => n >>> (32 - bits) === base >>> (32 - bits));
  }
  if (!net.isIPv6(ip)) return true;
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return isPrivateAddress(mapped[1]);
  if (lower === '::' || lower === '::1') return true;
  const first = Number.parseInt(lower.split(':')[0] || '0', 16);
  return (
    (first & 0xfe00) === 0xfc00 /* fc00::/7 */ ||
    (first & 0xffc0) === 0xfe80 /* fe80::/10 */ ||
    (first & 0xff00) === 0xff00
  );
}

/** Why a webhook URL is refused at subscription time, or null. (Hostnames are checked again at each delivery.) */
export function urlRefusal(
  raw: string,
  allowPrivate: boolean,
): 'err.url' | 'err.webhook_https' | 'err.webhook_prive' | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'err.url';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'err.webhook_https';
  if (url.username || url.password) return 'err.url';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (
    !allowPrivate &&
    (host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) && isPrivateAddress(host)))
  )
    return 'err.webhook_prive';
  return null;
}

export class WebhookHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'WebhookHttpError';
  }
}

/** POSTs `body`; resolves with the status of a 2xx answer, throws WebhookHttpError otherwise. */
export function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: { allowPrivate: boolean; timeoutMs: number },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(rawUrl);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && net.isIP(host) && isPrivateAddress(host))
      return reject(new WebhookHttpError('adresse privée refusée'));
    const lookup: net.LookupFunction = (hostname, options, callback) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return (callback as any)(err);
        const list = addresses as dns.LookupAddress[];
        const refused = !opts.allowPrivate && list.some((a) => isPrivateAddress(a.address));
        if (refused) return (callback as any)(new WebhookHttpError('adresse privée refusée'));
        if ((options as dns.LookupOptions).all) return (callback as any)(null, list);
        return (callback as any)(null, list[0].address, list[0].family);
      });
    };
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'CRM-Webhooks/1',
          ...headers,
        },
        lookup,
        timeout: opts.timeoutMs,
      },
      (res) => {
        res.resume(); // the answer's body is not needed
        const status = res.statusCode ?? 0;
        res.on('end', () =>
          status >= 200 && status < 300 ? resolve(status) : reject(new WebhookHttpError(`HTTP ${status}`, status)),
        );
        res.on('error', (err) => reject(new WebhookHttpError(err.message, status)));
      },
    );
    req.on('timeout', () => req.destroy(new WebhookHttpError(`pas de réponse en ${opts.timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof WebhookHttpError ? err : new WebhookHttpError(err.message)));
    req.end(body);
  });
}
