/**
 * `/openapi.json`: an OpenAPI 3 description of a listener, made from its route definitions as they are
 * registered (path, methods, and the route's `schema` where it has one: summary, querystring, headers, body and
 * answers). Route schemas only describe: the listener validates and serializes nothing with them (see
 * `createListener`), so that describing a route can never change what it answers. A route without described
 * answers is listed with a default one.
 */
import type { RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifySchema {
    /** A line on what the route does, for `/openapi.json`. */
    summary?: string;
    description?: string;
  }
}

/** The parts of a route schema the description reads. */
interface RouteSchema {
  summary?: string;
  description?: string;
  querystring?: ObjectSchema;
  headers?: ObjectSchema;
  body?: { description?: string; content?: Record<string, { schema: object }> };
  response?: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}

interface ObjectSchema {
  properties?: Record<string, { description?: string } & object>;
  required?: string[];
}

type Operation = Record<string, unknown>;

export interface ApiTitle {
  title: string;
  /** The version of the API described (e.g. `v2.1`). */
  version: string;
}

/** What a route answers when its schema names no answers. */
const DEFAULT_ANSWERS = { default: { description: "The API's answer; a failure in the API's own error format." } };

/** `:name(regex)` path parameters, as Fastify's router writes them. */
const PATH_PARAMETER = /:(\w+)(?:\(([^)]*)\))?/g;

/** The listener's health check, which answers before the router and so is no route of its own. */
const HEALTHCHECK = {
  '/healthcheck': Object.fromEntries(
    ['get', 'head'].map((method) => [
      method,
      {
        summary: 'Health, as oslo.middleware answers it (any method)',
        responses: {
          200: { description: 'OK: the catalog can be read and the data directory written', content: { 'text/plain': { schema: { type: 'string' } } } },
          204: { description: 'The same, to HEAD' },
          503: { description: 'What failed, a line each', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    ]),
  ),
};

export class RouteDescriptions {
  private readonly paths: Record<string, Record<string, Operation>> = {};

  /** Records a route as Fastify's `onRoute` hook hands it over. */
  add(route: RouteOptions): void {
    const parameters: object[] = [];
    const path = route.url.replace(PATH_PARAMETER, (_match, name: string, pattern: string | undefined) => {
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string', ...(pattern ? { pattern } : {}) } });
      return `{${name}}`;
    });
    const schema = (route.schema ?? {}) as RouteSchema;
    parameters.push(...describe(schema.querystring, 'query'), ...describe(schema.headers, 'header'));
    const operation: Operation = {
      ...(schema.summary ? { summary: schema.summary } : {}),
      ...(schema.description ? { description: schema.description } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(schema.body ? { requestBody: schema.body } : {}),
      responses: schema.response ?? DEFAULT_ANSWERS,
    };
    for (const method of [route.method].flat()) (this.paths[path] ??= {})[method.toLowerCase()] = operation;
  }

  /** The OpenAPI 3 document of the routes recorded so far, and of the health check. */
  document(title: ApiTitle): object {
    return { openapi: '3.0.3', info: title, paths: { ...this.paths, ...HEALTHCHECK } };
  }
}

function describe(schema: ObjectSchema | undefined, place: 'query' | 'header'): object[] {
  return Object.entries(schema?.properties ?? {}).map(([name, { description, ...rest }]) => ({
    name,
    in: place,
    required: schema?.required?.includes(name) ?? false,
    ...(description ? { description } : {}),
    schema: rest,
  }));
}
