// Both policies against the reference, which answered every request here itself; each is replayed against
// Glint under `--auth noauth` (whose tokens are the recordings' own) on a fresh image made as its precondition
// says, and must get the same status and the same words; a refused write must leave the image as it was.
// - `secure-rbac-cases.json`: 1,460 requests to the reference run with the secure-RBAC defaults on (Glance's
//   `enforce_secure_rbac` and `enforce_new_defaults`, Nova's `enforce_new_defaults`): every route of both APIs,
//   writes and reads, by an owner-project member and reader, member without reader, reader only, another
//   project's member and reader, an admin and no token, on private, shared (pending or accepted), public and
//   community images.
// - `legacy-cases.json`: 197 requests to the reference as recorded (the legacy defaults), on the calls whose
//   owner checks stand in for the rules there: tags, members, patches, creates, data, actions and deletes by the
//   owner's project, its reader, another project and an admin.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createGlint, type Glint } from '../../src/app.js';
import { newImage, type Image, type ImageMember, type MemberStatus, type Visibility } from '../../src/catalog/image.js';
import type { PolicyMode } from '../../src/catalog/policy.js';
import { loadConfig } from '../../src/config.js';

interface Precondition {
  image_status?: Image['status'];
  visibility?: Visibility;
  owner?: string;
  tags?: string[];
  properties?: Record<string, string>;
  size?: number | null;
  members?: Record<string, MemberStatus> | null;
  protected?: boolean;
  url_project?: string;
}

type RecordedError = { explanation: string; detail: string } | { fault: string; message: string };

interface RecordedCase {
  n: number;
  group: string;
  token: string | null;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  content_type: string | null;
  body: unknown;
  precondition: Precondition;
  status: number;
  image_id?: string;
  error?: RecordedError;
  /** Whether the write changed the image (recorded for writes only). */
  changed?: boolean;
}

const recorded = (file: string) => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as RecordedCase[];
/** The recording's projects, named in its paths. */
const PROJECTS: Record<string, string> = Object.fromEntries(['A', 'B', 'C', 'D', 'E', 'F'].map((p) => [`P_${p}`, p.toLowerCase().repeat(32)]));
const DATA = Buffer.from('hello');

const dir = mkdtempSync(join(tmpdir(), 'glint-reference-policies-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The image a case starts from, stored as its precondition says; the recorded id of a missing image otherwise. */
async function fixture(glint: Glint, recorded: RecordedCase): Promise<string | undefined> {
  const pre = recorded.precondition;
  if (!pre.image_status) return recorded.image_id;
  const id = randomUUID();
  const time = new Date().toISOString();
  const withData = pre.image_status === 'active' || pre.image_status === 'deactivated';
  const image: Image = {
    ...newImage(id, pre.owner!, time),
    name: `rbac-${pre.visibility}-${pre.image_status}`,
    status: pre.image_status,
    visibility: pre.visibility!,
    protected: pre.protected ?? false,
    disk_format: 'raw',
    container_format: 'bare',
    tags: pre.tags ?? [],
    properties: pre.properties ?? {},
    ...(withData && { size: DATA.length, virtual_size: DATA.length, has_data: true }),
  };
  const members: ImageMember[] = Object.entries(pre.members ?? {}).map(([member, status]) => ({
    member, status, can_share: false, created_at: time, updated_at: time,
  }));
  await glint.storage.images.insertImage({ image, members });
  if (withData) await glint.blobs.put(id, DATA);
  return id;
}

/** A recorded path with this run's image id and the caller's projects. */
function concrete(recorded: RecordedCase, id: string | undefined): string {
  const project = recorded.token?.split(':')[1] ?? PROJECTS.P_A;
  return recorded.path
    .replace('{id}', id ?? '')
    .replace('{project_id}', project)
    .replace('{other_project_id}', recorded.precondition.url_project ?? '')
    .replace(/P_[A-F]/g, (name) => PROJECTS[name]);
}

/** What an answer says, in the shape of the recording's error: webob's explanation and detail, or Nova's fault. */
function saidIn(recorded: RecordedError, body: string): RecordedError {
  if ('fault' in recorded) {
    const [[fault, { message }]] = Object.entries(JSON.parse(body) as Record<string, { message: string }>);
    return { fault, message };
  }
  const [, explanation, detail = ''] = body.split('\n\n');
  // The recordings keep both without the spaces around them (webob's 415 page ends its explanation with one,
  // as the conformance corpus's raw bodies show).
  return { explanation: explanation.trim(), detail: detail.trim() };
}

/** Replays every case of `file` against a Glint with `policy`; what differs from the reference, described. */
async function replay(file: string, policy: PolicyMode): Promise<{ count: number; differences: string[] }> {
  const cases = recorded(file);
  const glint = await createGlint(loadConfig({ profile: 'openstack', auth: 'noauth', policy, dataDir: join(dir, policy), computePort: 0, imagePort: 0, identityPort: 0 }, {}));
  const state = async (id: string) => ({ image: await glint.storage.images.getImage(id), members: await glint.storage.images.getMembers(id) });
  const differences: string[] = [];
  for (const recorded of cases) {
    const id = await fixture(glint, recorded);
    const url = concrete(recorded, id);
    const refused = recorded.status >= 400 && recorded.changed === false;
    const before = id && refused ? JSON.stringify(await state(id)) : null;
    const app = url.startsWith('/v2.1/') ? glint.compute : glint.image;
    const payload = recorded.body === null ? undefined : typeof recorded.body === 'string' ? Buffer.from(recorded.body) : JSON.stringify(recorded.body);
    const answer = await app.inject({
      method: recorded.method,
      url,
      headers: {
        ...(recorded.token !== null && { 'x-auth-token': recorded.token }),
        ...(recorded.content_type !== null && { 'content-type': recorded.content_type }),
      },
      payload,
    });
    const what = `#${recorded.n} ${recorded.group} ${recorded.token?.split(':')[0] ?? 'no token'} ${recorded.precondition.visibility ?? ''} ${recorded.method} ${url}`;
    const expected = recorded.error && (JSON.parse(JSON.stringify(recorded.error).replaceAll('{id}', id ?? '')) as RecordedError);
    if (answer.statusCode !== recorded.status) {
      differences.push(`${what}: ${answer.statusCode} (reference ${recorded.status}) ${answer.body.slice(0, 200)}`);
    } else if (expected) {
      const said = saidIn(expected, answer.body);
      if (JSON.stringify(said) !== JSON.stringify(expected)) differences.push(`${what}: said ${JSON.stringify(said)}, reference ${JSON.stringify(expected)}`);
    }
    if (before && JSON.stringify(await state(id!)) !== before) differences.push(`${what}: the refused write changed the image`);
  }
  await glint.close();
  return { count: cases.length, differences };
}

for (const [file, policy] of [['./secure-rbac-cases.json', 'secure'], ['./legacy-cases.json', 'legacy']] as const) {
  test(`--policy ${policy}: the requests of ${file} are answered as the reference answered them`, async () => {
    const { count, differences } = await replay(file, policy);
    assert.deepEqual(differences, [], `${differences.length} of ${count} answers differ from the reference:\n${differences.join('\n')}`);
  });
}
