/**
 * One call sent to the reference and then to Glint, and Glint's answer compared with the reference's by the
 * conformance replay's rules: status (a reference 5xx tolerated), the headers that matter, the body as
 * JSON with tags as a multiset, request ids, links and the catalog's timestamps masked.
 */
import {
  compareAnswer, headerValues, makeUrlRewriter, maskRequestIds, parseActualBody, pythonJsonDumps, renderDiff, sendRequest,
  type ActualResponse, type Diff, type Exchange, type Normalizers,
} from '../conformance/replay.js';
import type { Call } from './catalog.js';

/** Where one side's APIs listen: origins without a path. */
export interface Endpoints {
  image: string;
  compute: string;
}

export interface Outcome {
  call: Call;
  /** What differs, one line each; empty when Glint answered as the reference did. */
  diffs: string[];
  expected?: ActualResponse;
  actual?: ActualResponse;
}

const TIMEOUT_MS = 60_000;

function outgoing(call: Call) {
  const headers: Record<string, string> = { 'X-Auth-Token': call.caller.token, ...call.headers };
  let body: Buffer | null = null;
  if (call.json !== undefined) body = Buffer.from(pythonJsonDumps(call.json), 'utf8');
  if (call.bytes !== undefined) body = call.bytes;
  if (body) headers['Content-Type'] = call.contentType ?? 'application/json';
  return { method: call.method, path: call.path, headers, body };
}

/** The reference's answer as the replay's expected exchange. */
function asExchange(call: Call, answer: ActualResponse): Exchange {
  const parsed = parseActualBody(answer);
  const exchange: Exchange = { service: call.api, path: call.path, status: answer.status, response_headers: answer.headers };
  if (parsed.json !== undefined) exchange.body = parsed.json;
  else if (headerValues(answer.headers, 'content-type').some((t) => t.startsWith('application/octet-stream'))) exchange.body_b64 = answer.raw.toString('base64');
  else exchange.body = parsed.text;
  return exchange;
}

const ISO_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/**
 * Metadata definitions are loaded into each side at its own start, so their times differ by nature: each is
 * reduced to its shape, which is still compared.
 */
function withTimesMasked(normalizers: Normalizers): Normalizers {
  const mask = (s: string) => (ISO_SECOND.test(s) ? s.replace(/\d/g, '9') : s);
  return { expected: (s) => mask(normalizers.expected(s)), actual: (s) => mask(normalizers.actual(s)) };
}

export class Differ {
  private readonly normalizers: Normalizers;

  /** `knownIds`: the images whose timestamps differ between the two sides by nature (all that the run made). */
  constructor(
    private readonly reference: Endpoints,
    private readonly glint: Endpoints,
    private readonly knownIds: ReadonlySet<string>,
  ) {
    const rewrite = makeUrlRewriter(glint, { ...reference, identity: 'http://reference.invalid' });
    this.normalizers = { expected: (s) => maskRequestIds(rewrite(s)), actual: maskRequestIds };
  }

  /** Glint's answer alone (to ask whether it serves a route at all). */
  async glintAnswer(call: Call): Promise<ActualResponse> {
    const answer = await sendRequest(this.glint[call.api], outgoing(call), TIMEOUT_MS);
    if ('error' in answer) throw new Error(`Glint did not answer ${showCall(call)}: ${answer.error}`);
    return answer;
  }

  async run(call: Call): Promise<Outcome> {
    const request = outgoing(call);
    const answer = await sendRequest(this.reference[call.api], request, TIMEOUT_MS);
    // A reference that drops the connection has failed as surely as one that answers 500: any answer below 500 passes.
    const expected = 'error' in answer ? { status: 500, headers: [], raw: Buffer.from(`(no answer: ${answer.error})`) } : answer;
    const actual = await sendRequest(this.glint[call.api], request, TIMEOUT_MS);
    if ('error' in actual) return { call, diffs: [`Glint did not answer: ${actual.error}`], expected };
    const diffs: Diff[] = [];
    const normalizers = call.path.startsWith('/v2/metadefs') ? withTimesMasked(this.normalizers) : this.normalizers;
    compareAnswer(asExchange(call, expected), actual, normalizers, this.knownIds, diffs);
    return { call, diffs: diffs.map(renderDiff), expected, actual };
  }
}

/** An answer in a few lines: status and the start of its body. */
export function showAnswer(answer: ActualResponse | undefined, most = 400): string {
  if (!answer) return '(none)';
  const type = headerValues(answer.headers, 'content-type')[0] ?? '';
  const text = type.startsWith('application/octet-stream') ? `<${answer.raw.length} bytes>` : answer.raw.toString('utf8');
  const flat = text.trim().split('\n').map((line) => line.trim()).filter(Boolean).join(' ⏎ ');
  return `${answer.status} ${flat.length > most ? `${flat.slice(0, most)}…` : flat}`;
}

/** A call as one line: method, path, caller, and the body sent. */
export function showCall(call: Call): string {
  const body = call.json !== undefined ? ` ${pythonJsonDumps(call.json)}` : call.bytes ? ` <${call.bytes.length} bytes>` : '';
  return `${call.method} ${call.api === 'compute' ? '[compute] ' : ''}${call.path} as ${call.caller.label}${body}`;
}
