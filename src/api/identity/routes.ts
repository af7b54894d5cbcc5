/** The identity API's resources: tokens (issue, validate, revoke), the catalog, and read-only listings. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authToken, firstHeader } from '../../identity/context.js';
import { forbiddenAction, IdentityError, missingAttribute, unauthorized } from '../../identity/errors.js';
import { DEFAULT_DOMAIN } from '../../identity/model.js';
import type { IdentityService, TokenInfo } from '../../identity/service.js';
import type { ServiceUrls } from '../common/endpoints.js';
import { pathOf, queryParams, sendJson } from '../common/http.js';
import { parseLoginRequest } from './login-request.js';
import { collectionView, domainView, projectView, roleView, tokenView, userView, type CatalogUrls } from './views.js';

export interface IdentityRoutesOptions {
  identity: IdentityService;
  urls: ServiceUrls;
}

const isAdmin = (info: TokenInfo) => info.roles.some((r) => r.name === 'admin');

export function identityRoutes(app: FastifyInstance, opts: IdentityRoutesOptions, done: () => void) {
  const { identity, urls } = opts;
  const catalogUrls = (request: FastifyRequest): CatalogUrls => ({
    compute: urls.compute(request),
    image: urls.image(request),
    identity: urls.identity(request),
  });
  const self = (request: FastifyRequest) => `${urls.identity(request)}${pathOf(request.url)}`;
  const wantsCatalog = (request: FastifyRequest) => !queryParams(request).has('nocatalog');

  /** The caller's own token, which every call but issuing one requires. */
  const caller = async (request: FastifyRequest): Promise<TokenInfo> => {
    const token = authToken(request.headers);
    const info = token === undefined ? 'unknown' : await identity.validate(token);
    if (typeof info === 'string') throw unauthorized();
    return info;
  };
  const requireAdmin = async (request: FastifyRequest, action: string): Promise<TokenInfo> => {
    const info = await caller(request);
    if (!isAdmin(info)) throw forbiddenAction(action);
    return info;
  };

  /** The token named by X-Subject-Token, which the caller may see if it is an admin's or its own. */
  const subject = async (request: FastifyRequest, action: string): Promise<{ value: string; info: TokenInfo }> => {
    const me = await caller(request);
    const value = firstHeader(request.headers, 'x-subject-token');
    if (value === undefined) throw missingAttribute('X-Subject-Token', 'header');
    const info = await identity.validate(value);
    if (info === 'unknown') throw new IdentityError('not_found', 'Could not recognize Fernet token');
    if (info === 'invalid') throw new IdentityError('not_found', 'Failed to validate token');
    if (!isAdmin(me) && me.user.id !== info.user.id) throw forbiddenAction(action);
    return { value, info };
  };

  app.post('/v3/auth/tokens', async (request, reply) => {
    const issued = await identity.login(parseLoginRequest(request.body as Buffer | undefined));
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
    await identity.revoke(value);
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
    const projects = await identity.store.projectsOf(me.user.id);
    const base = urls.identity(request);
    return sendJson(reply, collectionView('projects', projects.map((p) => projectView(p, base)), self(request)));
  });

  app.get('/v3/users/:user_id/projects', async (request, reply) => {
    const me = await caller(request);
    const { user_id: userId } = request.params as { user_id: string };
    if (!isAdmin(me) && me.user.id !== userId) throw forbiddenAction('identity:list_user_projects');
    if (!(await identity.store.getUser(userId))) throw new IdentityError('not_found', `Could not find user: ${userId}.`);
    const base = urls.identity(request);
    const projects = await identity.store.projectsOf(userId);
    return sendJson(reply, collectionView('projects', projects.map((p) => projectView(p, base)), self(request)));
  });

  /** A read-only listing for admins; `?name=` narrows it to the record of that name, as clients look things up by name. */
  const adminListing = <T extends { name: string }>(
    path: string,
    action: string,
    key: string,
    load: () => Promise<T[]>,
    view: (item: T, identityUrl: string) => unknown,
  ) =>
    app.get(path, async (request, reply) => {
      await requireAdmin(request, action);
      const name = queryParams(request).get('name');
      const items = (await load()).filter((item) => name === null || item.name === name);
      const base = urls.identity(request);
      return sendJson(reply, collectionView(key, items.map((item) => view(item, base)), self(request)));
    });

  adminListing('/v3/projects', 'identity:list_projects', 'projects', () => identity.store.listProjects(), projectView);
  adminListing('/v3/users', 'identity:list_users', 'users', () => identity.store.listUsers(), userView);
  adminListing('/v3/roles', 'identity:list_roles', 'roles', () => identity.store.listRoles(), roleView);
  adminListing('/v3/domains', 'identity:list_domains', 'domains', async () => [DEFAULT_DOMAIN], (_domain, base) => domainView(base));

  app.get('/v3/projects/:project_id', async (request, reply) => {
    const me = await caller(request);
    const { project_id: projectId } = request.params as { project_id: string };
    if (!isAdmin(me) && me.project?.id !== projectId) throw forbiddenAction('identity:get_project');
    const project = await identity.store.getProject(projectId);
    if (!project) throw new IdentityError('not_found', `Could not find project: ${projectId}.`);
    return sendJson(reply, { project: projectView(project, urls.identity(request)) });
  });

  app.get('/v3/users/:user_id', async (request, reply) => {
    const me = await caller(request);
    const { user_id: userId } = request.params as { user_id: string };
    if (!isAdmin(me) && me.user.id !== userId) throw forbiddenAction('identity:get_user');
    const user = await identity.store.getUser(userId);
    if (!user) throw new IdentityError('not_found', `Could not find user: ${userId}.`);
    return sendJson(reply, { user: userView(user, urls.identity(request)) });
  });

  done();
}
