import { type AccessClaims, TokenService } from './tokens.js';

/**
 * Access tokens verified once per process: the same token string carries the same verified
 * signature, so later requests only check its expiry (kept from the verified payload). Saves the
 * WebCrypto HMAC on every request; revocation is the session check's business, unaffected.
 */
export class VerifiedTokenCache extends TokenService {
  private readonly verified = new Map<string, { claims: AccessClaims; expiresAt: number }>();

  override async verifyAccess(token: string): Promise<AccessClaims | null> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expiresAt > Date.now()) return hit.claims;
      this.verified.delete(token);
    }
    const claims = await super.verifyAccess(token);
    if (claims) {
      const exp = Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp) * 1000;
      if (Number.isFinite(exp)) {
        if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.clear();
        this.verified.set(token, { claims: Object.freeze({ ...claims }), expiresAt: exp });
      }
    }
    return claims;
  }
}
const VERIFIED_TOKENS_MAX = 20_000;
