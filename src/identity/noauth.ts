/**
 * `--auth noauth`: the token itself names the caller, `user:project[:role,role]`, as in the
 * reference recordings. Clients such as glanceclient URL-encode it, so it is decoded first.
 */
import type { Authenticator, RequestContext } from './context.js';

export class NoAuthAuthenticator implements Authenticator {
  authenticate(token: string | undefined): RequestContext | null {
    if (!token) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(token);
    } catch {
      return null;
    }
    const [userId, projectId, roleList] = decoded.split(':');
    if (!userId || !projectId) return null;
    const roles = roleList
      ? roleList.split(',').filter(Boolean)
      : userId === 'admin'
        ? ['admin', 'member', 'reader']
        : ['member', 'reader'];
    return { userId, projectId, roles, isAdmin: roles.includes('admin') };
  }
}
