/**
 * `--auth keystone`: a request carries a token issued by the identity API (`X-Auth-Token`), or is
 * signed with an access key (Huawei's `SDK-HMAC-SHA256`, project in `X-Project-Id`). What each stands for is
 * kept while the store's identity revision holds, so a revoked token or key stops working at once everywhere.
 */
import { createHash } from 'node:crypto';
import { authToken, firstHeader, hasBody, type AuthInput, type Authenticator, type RequestContext } from './context.js';
import { EMPTY_PAYLOAD_HASH, parseSdkAuthorization, payloadHashOf, verifySdkRequest } from './sdk-hmac.js';
import type { TokenService } from './tokens.js';

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export class KeystoneAuthenticator implements Authenticator {
  constructor(private readonly identity: TokenService) {}

  authenticate(request: AuthInput): RequestContext | null | Promise<RequestContext | null> {
    const token = authToken(request.headers);
    if (token) return this.identity.contextOf(token);
    return this.signed(request);
  }

  /** A signed request whose body is read whole before it is acted on: its signature covers that body. */
  awaitsBody(request: AuthInput): boolean {
    return !authToken(request.headers) && !request.streamsBody && hasBody(request.headers) && isSigned(request);
  }

  private async signed(request: AuthInput): Promise<RequestContext | null> {
    const signature = parseSdkAuthorization(firstHeader(request.headers, 'authorization'));
    const projectId = firstHeader(request.headers, 'x-project-id');
    // The project a request acts on is part of what its signer vouches for.
    if (!signature || !projectId || !signature.signedHeaders.includes('x-project-id')) return null;
    const payloadHash = signedPayloadHash(request);
    if (payloadHash === null) return null;
    const signer = await this.identity.signer(signature.access, projectId);
    if (!signer) return null;
    // Field by field: a framework's request object may keep these as getters, which spreading would drop.
    const { method, url, headers } = request;
    const verdict = verifySdkRequest({ method, url, headers, payloadHash, secret: signer.secret, now: new Date() });
    return verdict === 'ok' ? signer.context : null;
  }
}

const isSigned = (request: AuthInput) => parseSdkAuthorization(firstHeader(request.headers, 'authorization')) !== null;

/**
 * The payload hash a signature must cover, or null when the request cannot be checked. A body read whole is
 * hashed (and must match any hash declared for it): a declared UNSIGNED-PAYLOAD would let anyone who captured
 * the request send another body. Only image data, consumed as it arrives, may go unsigned, as Huawei's SDKs
 * declare for every body that is not JSON and Huawei's gateway accepts.
 */
function signedPayloadHash(request: AuthInput): string | null {
  const declared = payloadHashOf(request.headers);
  if (request.body !== undefined) {
    const actual = createHash('sha256').update(request.body).digest('hex');
    return declared === null || declared === actual ? actual : null;
  }
  if (!hasBody(request.headers)) return declared ?? EMPTY_PAYLOAD_HASH;
  return request.streamsBody && declared === UNSIGNED_PAYLOAD ? declared : null;
}
