/** The identity API's resources: tokens (issue, validate, revoke), the catalog, and read-only listings. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authToken, firstHeader } from '../../identity/context.js';
import { IdentityError } from '../../identity/errors.js';
import type { AccountService } from '../../identity/accounts.js';
import type { TokenInfo, TokenService } from '../../identity/tokens.js';
import type { ServiceUrls } from '../common/endpoints.js';
import { pathOf, queryParams, sendJson } from '../common/http.js';
import { parseLoginRequest } from './login-request.js';
import { collectionView, domainView, projectView, roleView, tokenView, userView, type CatalogUrls } from './views.js';

/** What the identity API serves: logins and tokens, and the accounts callers look up. */
export interface IdentityServices {
  accounts: AccountService;
  tokens: TokenService;
}

export interface IdentityRoutesOptions {
  identity: IdentityServices;
  urls: ServiceUrls;
}

export function identityRoutes(app: FastifyInstance, opts: IdentityRoutesOptions, done: () => void) {
  const { identity: { accounts, tokens }, urls } = opts;
  const catalogUrls = (request: FastifyRequest): CatalogUrls => ({
    compute: urls.compute(request),
    image: urls.image(request),
    identity: urls.identity(request),
  });
  const self = (request: FastifyRequest) => `${urls.identity(request)}${pathOf(request.url)}`;
  const wantsCatalog = (request: FastifyRequest) => !queryParams(request).has('nocatalog');

  /** The caller's own token, which every call but issuing one requires. */
  const caller = (request: FastifyRequest): Promise<TokenInfo> => tokens.caller(authToken(request.headers));

  /** The token named by X-Subject-Token, which the caller may see if it is an admin's or its own. */
  const subject = async (request: FastifyRequest, action: string): Promise<{ value: string; info: TokenInfo }> => {
    const value = firstHeader(request.headers, 'x-subject-token');
    const info = await tokens.subject(await caller(request), value, action);
    return { value: value!, info };
  };

  app.post('/v3/auth/tokens', async (request, reply) => {
    const issued = await tokens.login(parseLoginRequest(request.body as Buffer | undefined));
    reply.code(201).header('X-Subject-Token', issued.value);
    return sendJson(reply, tokenView(issued.info, wantsCatalog(request) ? catalogUrls(request) : null));
  });

  app.get('/v3/auth/tokens', async (request, reply) => {
    const { value, info } = await subject(request, 'identity:validate_token');
    return sendJson(reply.header('X-Subject-Token', value), tokenView(info, wantsCatalog(request) ? catalogUrls(request) : null));
  });

  app.head('/v3/auth/tokens', async (request, reply) => {
    const { value, info } = await subject(request, 'identity:check_token');
    const body = Buffer.from(JSON.stringify(tokenView(info, catalogUrls(request))));
    return reply.header('X-Subject-Token', value).header('content-type', 'application/json').header('content-length', body.length).send();
  });

  app.delete('/v3/auth/tokens', async (request, reply) => {
    const { value } = await subject(request, 'identity:revoke_token');
    await tokens.revoke(value);
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (request, reply) => {
    const me = await caller(request);
    if (!me.project) throw new IdentityError('forbidden', 'A project-scoped token is required to produce a service catalog.');
    const body = { catalog: tokenView(me, catalogUrls(request)).token.catalog, links: { self: self(request) } };
    return sendJson(reply, body);
  });

  app.get('/v3/auth/projects', async (request, reply) => {
    const me = await caller(request);
    const projects = await accounts.projectsOf(me.user.id);
    const base = urls.identity(request);
    return sendJson(reply, collectionView('projects', projects.map((p) => projectView(p, base)), self(request)));
  });

  app.get('/v3/users/:user_id/projects', async (request, reply) => {
    const { user_id: userId } = request.params as { user_id: string };
    const projects = await accounts.projectsOfUser(await caller(request), userId);
    const base = urls.identity(request);
    return sendJson(reply, collectionView('projects', projects.map((p) => projectView(p, base)), self(request)));
  });

  /** A read-only listing for admins; `?name=` narrows it to the record of that name, as clients look things up by name. */
  const adminListing = <T extends { name: string }>(
    path: string,
    key: string,
    load: (me: TokenInfo) => T[] | Promise<T[]>,
    view: (item: T, identityUrl: string) => unknown,
  ) =>
    app.get(path, async (request, reply) => {
      const name = queryParams(request).get('name');
      const items = (await load(await caller(request))).filter((item) => name === null || item.name === name);
      const base = urls.identity(request);
      return sendJson(reply, collectionView(key, items.map((item) => view(item, base)), self(request)));
    });

  adminListing('/v3/projects', 'projects', (me) => accounts.allProjects(me), projectView);
  adminListing('/v3/users', 'users', (me) => accounts.allUsers(me), userView);
  adminListing('/v3/roles', 'roles', (me) => accounts.allRoles(me), roleView);
  adminListing('/v3/domains', 'domains', (me) => accounts.domains(me), (_domain, base) => domainView(base));

  app.get('/v3/projects/:project_id', async (request, reply) => {
    const { project_id: projectId } = request.params as { project_id: string };
    const project = await accounts.project(await caller(request), projectId);
    return sendJson(reply, { project: projectView(project, urls.identity(request)) });
  });

  app.get('/v3/users/:user_id', async (request, reply) => {
    const { user_id: userId } = request.params as { user_id: string };
    const user = await accounts.user(await caller(request), userId);
    return sendJson(reply, { user: userView(user, urls.identity(request)) });
  });

  done();
}
