/**
 * `--auth keystone`: a request carries a token issued by the identity API (`X-Auth-Token`), or is
 * signed with an access key (Huawei's `SDK-HMAC-SHA256`, project in `X-Project-Id`). Both are checked
 * against the store on every request, so a revoked token or key stops working at once everywhere.
 */
import { authToken, firstHeader, type AuthInput, type Authenticator, type RequestContext } from './context.js';
import { EMPTY_PAYLOAD_HASH, parseSdkAuthorization, payloadHashOf, verifySdkRequest } from './sdk-hmac.js';
import type { IdentityService } from './service.js';

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export class KeystoneAuthenticator implements Authenticator {
  constructor(private readonly identity: IdentityService) {}

  async authenticate(request: AuthInput): Promise<RequestContext | null> {
    const token = authToken(request.headers);
    if (token) return this.identity.contextOf(token);
    return this.signed(request);
  }

  private async signed(request: AuthInput): Promise<RequestContext | null> {
    const signature = parseSdkAuthorization(firstHeader(request.headers, 'authorization'));
    const projectId = firstHeader(request.headers, 'x-project-id');
    if (!signature || !projectId) return null;
    // The body has not arrived when a request is admitted, so a request with one is verified only
    // when its signer left the body out (UNSIGNED-PAYLOAD, as Huawei's SDKs do for non-JSON bodies).
    const declared = payloadHashOf(request.headers);
    const payloadHash = hasBody(request) ? (declared === UNSIGNED_PAYLOAD ? declared : null) : (declared ?? EMPTY_PAYLOAD_HASH);
    if (payloadHash === null) return null;
    const credential = await this.identity.credential(signature.access);
    if (!credential) return null;
    // Field by field: a framework's request object may keep these as getters, which spreading would drop.
    const { method, url, headers } = request;
    const verdict = verifySdkRequest({ method, url, headers, payloadHash, secret: credential.secret, now: new Date() });
    return verdict === 'ok' ? this.identity.contextOfUser(credential.user, projectId) : null;
  }
}

function hasBody(request: AuthInput): boolean {
  const length = firstHeader(request.headers, 'content-length');
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}
