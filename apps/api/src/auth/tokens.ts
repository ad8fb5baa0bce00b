import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

export interface AccessClaims {
  sub: string;
  sid: string;
}

export class TokenService {
  private readonly key: Uint8Array;
  constructor(
    secret: string,
    private readonly accessTtlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  signAccess(userId: number, sessionId: string): Promise<string> {
    return new SignJWT({ sid: sessionId, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime(`${this.accessTtlSeconds}s`)
      .sign(this.key);
  }

  /** Verifies signature, expiry and type; returns null for anything invalid. */
  async verifyAccess(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      if (payload.typ !== 'access' || typeof payload.sid !== 'string' || !payload.sub) return null;
      return { sub: payload.sub, sid: payload.sid };
    } catch {
      return null;
    }
  }

  /**
   * The CSRF token of a session: an HMAC of its id (signed double submit). A cookie planted by a
   * sibling subdomain cannot match it, and it stays the same across refreshes of the session.
   */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.key).update(`csrf:${sessionId}`).digest('base64url');
  }

  /** True when the header equals the cookie and both are the session's CSRF token. */
  csrfMatches(sessionId: string, header: unknown, cookie: unknown): boolean {
    if (typeof header !== 'string' || typeof cookie !== 'string' || header !== cookie) return false;
    const expected = Buffer.from(this.csrfToken(sessionId));
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** 160 bits of randomness, base32: session ids, refresh secrets and CSRF tokens. */
export function randomToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}
