// The image API through `inject` on the image listener: servers on a data directory of their own, callers,
// requests and the image API steps the API tests share.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createGlint, type Glint } from '../../src/app.js';
import { loadConfig, type ConfigInput } from '../../src/config.js';

export interface Server {
  glint: Glint;
  dir: string;
}

export type Options = Pick<ConfigInput, 'profile' | 'inspect' | 'maxUploadBytes' | 'policy' | 'webDownloadAllowInternal'>;

export async function startServer(options: Options = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'glint-image-api-'));
  // An empty environment, so GLINT_* variables of the shell running the tests change nothing.
  const config = loadConfig({ profile: 'openstack', auth: 'noauth', ...options, dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
  return { glint: await createGlint(config), dir };
}

export async function stopServer(server: Server): Promise<void> {
  await server.glint.close();
  rmSync(server.dir, { recursive: true, force: true });
}

/** A project (32 lower-case hex, as the compute API's URLs require) and its member's token. */
export interface Caller {
  project: string;
  token: string;
}

export function newCaller(user = 'member'): Caller {
  const project = randomUUID().replace(/-/g, '');
  return { project, token: `${user}:${project}` };
}

export interface Call {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Bytes go as they are, anything else as JSON. */
  body?: Buffer | object;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One request as `caller`. */
export function inject(app: Glint['image'], caller: Caller, call: Call): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'x-auth-token': caller.token, ...call.headers };
  let payload: Buffer | string | undefined;
  if (call.body !== undefined) {
    payload = Buffer.isBuffer(call.body) ? call.body : JSON.stringify(call.body);
    headers['content-type'] = call.contentType ?? (typeof payload === 'string' ? 'application/json' : 'application/octet-stream');
  }
  return app.inject({ method: call.method ?? 'GET', url: call.url, headers, payload });
}

export const imageApi = (server: Server, caller: Caller, call: Call) => inject(server.glint.image, caller, call);
/** Compute calls go to the project-scoped URL form, `/v2.1/{project}/images…`. */
export const computeApi = (server: Server, caller: Caller, call: Call) =>
  inject(server.glint.compute, caller, { ...call, url: `/v2.1/${caller.project}${call.url}` });

export function expectStatus(res: LightMyRequestResponse, status: number, what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------------
// Image API steps

export interface GlanceImage {
  id: string;
  status: string;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  [property: string]: unknown;
}

export async function createImage(server: Server, caller: Caller, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await imageApi(server, caller, {
    method: 'POST',
    url: '/v2/images',
    body: { name: 'image-api-test', disk_format: 'raw', container_format: 'bare', ...fields },
  });
  expectStatus(res, 201, 'create');
  return res.json<GlanceImage>().id;
}

export function upload(server: Server, caller: Caller, id: string, data: Buffer, contentType?: string) {
  return imageApi(server, caller, { method: 'PUT', url: `/v2/images/${id}/file`, body: data, contentType });
}

export async function show(server: Server, caller: Caller, id: string): Promise<GlanceImage> {
  const res = await imageApi(server, caller, { url: `/v2/images/${id}` });
  expectStatus(res, 200, `show ${id}`);
  return res.json<GlanceImage>();
}

/** Everything in the blob directory, partial files (dot-names) included. */
export const dataFiles = (server: Server) => readdirSync(join(server.dir, 'images')).sort();

export const hex = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');

/** Bytes that are not a recognised disk image (inspection calls them raw). */
export function rawBytes(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7 + 3) % 251));
}

/** The fixed webob text page Glance answers errors with. */
export function assertWebobText(res: LightMyRequestResponse, status: number, title: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  assert.ok(res.body.startsWith(`${status} ${title}\n\n`), res.body);
}

// ---------------------------------------------------------------------------------------------
// Resource lifetime: every server a test starts is stopped (and its directory removed) after it.

const running: Server[] = [];

export async function server(options: Options = {}): Promise<Server> {
  const started = await startServer(options);
  running.push(started);
  return started;
}

/** Stops every server `server` started; a test file calls it after each test. */
export async function stopServers(): Promise<void> {
  for (const s of running.splice(0)) await stopServer(s);
}
