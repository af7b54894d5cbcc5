// `/openapi.json` on each listener: a valid OpenAPI 3 document (checked by @readme/openapi-parser) that names
// every route the listener's router holds (as Fastify prints them), with the methods each answers, and its
// path parameters; the health check, which answers before the router, is described too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validate } from '@readme/openapi-parser';
import type { FastifyInstance } from 'fastify';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';

let dir: string;
let glint: Glint;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glint-openapi-'));
  glint = await createGlint(loadConfig({ auth: 'keystone', metrics: 'compute,image,identity', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {}));
  await glint.listen();
});

after(async () => {
  await glint.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `METHOD /path` of every route in Fastify's printed route tree, parameters written `{name}`. */
function routerRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>();
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4;
    const [, segment, methods] = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3))!;
    segments.length = depth;
    segments.push(segment);
    const path = segments.join('').replace(/:(\w+)(?:\([^)]*\))?/g, '{$1}');
    for (const method of methods?.split(', ') ?? []) routes.add(`${method} ${path}`);
  }
  return routes;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; responses: object }>>;
}

for (const api of ['compute', 'image', 'identity'] as const) {
  test(`the ${api} API's document validates and names every route it serves`, async () => {
    const answer = await fetch(`${glint.urls[api]}/openapi.json`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json');
    const document = (await answer.json()) as Document;
    const result = await validate(structuredClone(document) as unknown as Parameters<typeof validate>[0]);
    assert.deepEqual(result, { valid: true, warnings: [], specification: 'OpenAPI' });
    assert.match(document.openapi, /^3\./);

    const described = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        described.add(`${method.toUpperCase()} ${path}`);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(declared, inPath, `${method} ${path} declares its path parameters`);
        assert.ok(Object.keys(operation.responses).length > 0, `${method} ${path} names its answers`);
      }
    }
    const health = ['GET /healthcheck', 'HEAD /healthcheck'];
    assert.deepEqual([...described].filter((route) => !health.includes(route)).sort(), [...routerRoutes(glint[api])].sort());
    for (const route of health) assert.ok(described.has(route), route);
    assert.ok(described.has('GET /metrics') && described.has('GET /openapi.json'));
  });
}
