/**
 * What every compute action needs before its controller runs, in the reference's order:
 * microversion → body media type and JSON → project in the URL → the action's version range.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../identity/context.js';
import type { Profile } from '../../profile.js';
import { ApiError, RESOURCE_NOT_FOUND } from '../common/errors.js';
import { mediaTypeOf, parseJsonBytes } from '../common/http.js';
import type { LinkBase } from '../common/links.js';
import { compareVersions, negotiateVersion, VERSION_VARY, versionHeaders, type Version } from '../common/microversion.js';
import type { ServiceUrl } from '../common/endpoints.js';
import type { ImageSchemaCheck } from './sent-image.js';

export interface ComputeRouteOptions {
  /** `/v2`: version headers are ignored and never answered, as Nova's legacy wrapper does. */
  legacy: boolean;
  withProject: boolean;
}

export interface ComputeSettings {
  profile: Profile;
  /** This API's own base URL, for its links. */
  origin: ServiceUrl;
  /** Image API endpoint for alternate links. */
  imageEndpoint: ServiceUrl;
  /** The image schema the image service publishes, which images sent back to it are checked against. */
  imageSchema: ImageSchemaCheck;
}

export interface ComputeCall {
  ctx: RequestContext;
  version: Version;
  links: LinkBase;
  /** The parsed JSON body of a POST or PUT (null when there was none). */
  body: unknown;
}

const JSON_TYPES = new Set(['application/json', 'application/vnd.openstack.compute+json']);

function parseJsonBody(request: FastifyRequest): unknown {
  const type = mediaTypeOf(request.headers);
  if (type !== '' && type !== 'text/plain' && !JSON_TYPES.has(type)) throw new ApiError(415, 'Unsupported Content-Type');
  const bytes = request.body instanceof Buffer ? request.body : null;
  if (!bytes || bytes.length === 0) return null;
  try {
    return parseJsonBytes(bytes);
  } catch {
    throw new ApiError(400, 'Malformed request body');
  }
}

export function beginComputeCall(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: ComputeSettings,
  route: ComputeRouteOptions,
  maxActionVersion: Version,
): ComputeCall {
  let version: Version = { major: 2, minor: 1 };
  if (!route.legacy) {
    try {
      version = negotiateVersion(request.headers, settings.profile.maxComputeVersion);
    } catch (err) {
      if (err instanceof ApiError && err.status === 406) reply.header('Vary', VERSION_VARY);
      throw err;
    }
    reply.headers(versionHeaders(version)).header('Vary', VERSION_VARY);
  }
  const body = request.method === 'POST' || request.method === 'PUT' ? parseJsonBody(request) : null;
  const ctx = request.ctx!;
  const urlProject = route.withProject ? (request.params as { project_id: string }).project_id : null;
  if (urlProject !== null && urlProject !== ctx.projectId) {
    throw new ApiError(
      400,
      `Malformed request URL: URL's project_id '${urlProject}' doesn't match Context's project_id '${ctx.projectId}'`,
    );
  }
  if (compareVersions(version, maxActionVersion) > 0) throw new ApiError(404, RESOURCE_NOT_FOUND);
  return {
    ctx,
    version,
    body,
    links: {
      origin: settings.origin(request),
      versionPrefix: route.legacy ? '/v2' : '/v2.1',
      projectSegment: urlProject === null ? '' : `/${urlProject}`,
      imageEndpoint: settings.imageEndpoint(request),
      alternateWithProject: settings.profile.alternateWithProject,
    },
  };
}

