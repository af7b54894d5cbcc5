/** Identity records as Keystone renders them: tokens, the service catalog, projects, users, roles, domains. */
import { createHash } from 'node:crypto';
import { DEFAULT_DOMAIN, type Project, type Role, type User } from '../../identity/model.js';
import type { TokenInfo } from '../../identity/tokens.js';

/** The public base URL of each service, as this request should see them. */
export interface CatalogUrls {
  compute: string;
  image: string;
  identity: string;
}

const REGION = 'RegionOne';
const INTERFACES = ['public', 'internal', 'admin'] as const;

/** Catalog ids are stable, so a client caching the catalog sees the same entries every time. */
const stableId = (text: string) => createHash('md5').update(text).digest('hex');

export function catalogView(urls: CatalogUrls) {
  const services = [
    { type: 'identity', name: 'keystone', url: `${urls.identity}/v3/` },
    { type: 'compute', name: 'nova', url: `${urls.compute}/v2.1` },
    { type: 'image', name: 'glance', url: urls.image },
  ];
  return services.map((service) => ({
    endpoints: INTERFACES.map((iface) => ({
      id: stableId(`${service.type} ${iface}`),
      interface: iface,
      region_id: REGION,
      url: service.url,
      region: REGION,
    })),
    id: stableId(service.type),
    type: service.type,
    name: service.name,
  }));
}

const domainRef = () => ({ id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name });

/** `{"token": …}` as Keystone answers a token request or validation; `urls` null leaves the catalog out. */
export function tokenView(info: TokenInfo, urls: CatalogUrls | null) {
  const { token, user, project, roles } = info;
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: { domain: domainRef(), id: user.id, name: user.name, password_expires_at: null },
    audit_ids: token.audit_ids,
    expires_at: token.expires_at,
    issued_at: token.issued_at,
  };
  if (project) {
    body.project = { domain: domainRef(), id: project.id, name: project.name };
    body.is_domain = false;
    body.roles = roles.map((r) => ({ id: r.id, name: r.name }));
    if (urls) body.catalog = catalogView(urls);
  }
  return { token: body };
}

export function projectView(project: Project, identity: string) {
  return {
    id: project.id,
    name: project.name,
    domain_id: DEFAULT_DOMAIN.id,
    description: project.description,
    enabled: project.enabled,
    parent_id: DEFAULT_DOMAIN.id,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${identity}/v3/projects/${project.id}` },
  };
}

export function userView(user: User, identity: string) {
  return {
    id: user.id,
    name: user.name,
    domain_id: DEFAULT_DOMAIN.id,
    enabled: user.enabled,
    password_expires_at: null,
    options: {},
    links: { self: `${identity}/v3/users/${user.id}` },
  };
}

export function roleView(role: Role, identity: string) {
  return { id: role.id, name: role.name, domain_id: null, description: null, options: {}, links: { self: `${identity}/v3/roles/${role.id}` } };
}

export function domainView(identity: string) {
  return {
    id: DEFAULT_DOMAIN.id,
    name: DEFAULT_DOMAIN.name,
    description: 'The default domain',
    enabled: true,
    tags: [],
    options: {},
    links: { self: `${identity}/v3/domains/${DEFAULT_DOMAIN.id}` },
  };
}

/** A collection: `{"<name>": [...], "links": {…}}`, with the request's own URL as `self`. */
export function collectionView(name: string, items: unknown[], self: string) {
  return { [name]: items, links: { next: null, self, previous: null } };
}
