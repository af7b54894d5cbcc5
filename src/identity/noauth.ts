/**
 * `--auth noauth`: the token itself names the caller, `user:project[:role,role]`, as in the
 * reference recordings. Clients such as glanceclient URL-encode it, so it is decoded first.
 * A Huawei-signed request is taken at its word too: its access key names the user and
 * `X-Project-Id` the project, and the signature is not checked.
 */
import { authToken, firstHeader, type AuthInput, type Authenticator, type RequestContext } from './context.js';
import { parseSdkAuthorization } from './sdk-hmac.js';

const MEMBER_ROLES = ['member', 'reader'];

export class NoAuthAuthenticator implements Authenticator {
  authenticate(request: AuthInput): RequestContext | null {
    const token = authToken(request.headers);
    if (token) return fromToken(token);
    const signed = parseSdkAuthorization(firstHeader(request.headers, 'authorization'));
    const projectId = firstHeader(request.headers, 'x-project-id');
    if (!signed || !projectId || !storable(projectId)) return null;
    return { userId: signed.access, projectId, roles: MEMBER_ROLES, isAdmin: false };
  }
}

function fromToken(token: string): RequestContext | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    return null;
  }
  const [userId, projectId, roleList] = decoded.split(':');
  if (!userId || !projectId || !storable(projectId)) return null;
  const roles = roleList ? roleList.split(',').filter(Boolean) : userId === 'admin' ? ['admin', ...MEMBER_ROLES] : MEMBER_ROLES;
  return { userId, projectId, roles, isAdmin: roles.includes('admin') };
}

/**
 * Names that the catalog could not store as an owner or member are no one's: text holding a NUL, or a project
 * id longer than the reference's columns (Keystone's own ids have 64 characters at most).
 */
function storable(text: string): boolean {
  return !text.includes('\0') && text.length <= 255;
}
