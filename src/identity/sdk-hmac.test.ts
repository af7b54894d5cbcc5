import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { HcClient, type HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import {
  EMPTY_PAYLOAD_HASH,
  parseSdkAuthorization,
  payloadHashOf,
  verifySdkRequest,
  type SdkRequest,
  type SdkVerdict,
} from './sdk-hmac.js';

// Requests are signed by the SDK's own client (HcClient -> BasicCredentials.processAuthRequest
// -> AKSKSigner.sign -> axios) and checked as a Glint route would see them on the wire.

const AK = 'HPUAEXAMPLEACCESSKEY';
const SK = 'glint-test-secret-key';
const PROJECT = '0123456789abcdef0123456789abcdef';
const HOST = '127.0.0.1:8774';
const MINUTE = 60_000;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type SendOptions = Pick<HttpRequestOptions, 'method' | 'url'> & Partial<HttpRequestOptions>;

let server: Server;
let client: HcClient;
let lastReceived: Received | undefined;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      lastReceived = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT);
  client = new HcClient(new DefaultHttpClient({}, [endpoint])).withEndpoints([endpoint]).withCredential(credentials);
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function send(options: SendOptions): Promise<Received> {
  lastReceived = undefined;
  await client.sendRequest({
    contentType: 'application/json',
    queryParams: {},
    pathParams: {},
    headers: { host: HOST },
    ...options,
  });
  assert.ok(lastReceived, 'the SDK request reached the test server');
  return lastReceived;
}

const listImages = () => send({ method: 'GET', url: '/v2.1/{project_id}/images' });

const listImagesFiltered = () =>
  send({
    method: 'GET',
    url: '/v2.1/{project_id}/images',
    queryParams: {
      limit: 2,
      name: 'a b',
      'changes-since': '2020-01-01T00:00:00Z',
      tag: ['zeta', "it's+(1)*!", 'alpha', 'Zulu'],
    },
  });

const createImage = () =>
  send({ method: 'POST', url: '/v2.1/{project_id}/images', data: { name: 'cirros', min_disk: 1, tags: ['a b'] } });

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function signedAt(headers: IncomingHttpHeaders): Date {
  const date = String(headers['x-sdk-date']);
  return new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
}

function verify(req: Received, overrides: Partial<SdkRequest> = {}): SdkVerdict {
  return verifySdkRequest({
    method: req.method,
    url: req.url,
    headers: req.headers,
    payloadHash: payloadHashOf(req.headers) ?? sha256Hex(req.body),
    secret: SK,
    now: new Date(),
    ...overrides,
  });
}

function withHeaders(req: Received, changes: IncomingHttpHeaders): Received {
  return { ...req, headers: { ...req.headers, ...changes } };
}

function withoutHeader(req: Received, name: string): Received {
  const headers = { ...req.headers };
  delete headers[name];
  return { ...req, headers };
}

describe('parseSdkAuthorization', () => {
  test('reads the header the SDK sends', async () => {
    const req = await listImages();
    const auth = parseSdkAuthorization(req.headers.authorization);
    assert.equal(auth?.access, AK);
    assert.deepEqual(auth?.signedHeaders, ['content-type', 'host', 'x-project-id', 'x-sdk-date']);
    assert.match(auth?.signature ?? '', /^[0-9a-f]{64}$/);
  });

  test('rejects other schemes and malformed parameter lists', () => {
    const good = 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab12';
    assert.deepEqual(parseSdkAuthorization(good), { access: 'AK', signedHeaders: ['host', 'x-sdk-date'], signature: 'ab12' });
    for (const header of [
      undefined,
      '',
      'Bearer abc',
      'AWS4-HMAC-SHA256 Credential=AK/20200101/r/s/aws4_request, SignedHeaders=host, Signature=ab12',
      'sdk-hmac-sha256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab12',
      'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date',
      'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab12, Extra=1',
      'SDK-HMAC-SHA256 Access=AK, Access=BK, SignedHeaders=host, Signature=ab12',
      'SDK-HMAC-SHA256 Access=, SignedHeaders=host;x-sdk-date, Signature=ab12',
      'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=ab12',
      'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=not-hex',
      'SDK-HMAC-SHA256 Access=AK SignedHeaders=host;x-sdk-date Signature=ab12',
    ]) {
      assert.equal(parseSdkAuthorization(header), null, String(header));
    }
  });
});

describe('payload hash helpers', () => {
  test('EMPTY_PAYLOAD_HASH is the sha256 of no bytes', () => {
    assert.equal(EMPTY_PAYLOAD_HASH, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('payloadHashOf returns the declared x-sdk-content-sha256, else null', () => {
    assert.equal(payloadHashOf({ 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }), 'UNSIGNED-PAYLOAD');
    assert.equal(payloadHashOf({ host: HOST }), null);
  });
});

describe('requests signed by the SDK verify', () => {
  test('GET with Host, X-Project-Id and Content-Type', async () => {
    const req = await listImages();
    assert.equal(req.url, `/v2.1/${PROJECT}/images`);
    assert.equal(req.headers.host, HOST);
    assert.equal(req.headers['x-project-id'], PROJECT);
    assert.equal(sha256Hex(req.body), EMPTY_PAYLOAD_HASH);
    assert.equal(verify(req), 'ok');
  });

  test('GET with percent-encoded, repeated query parameters', async () => {
    const req = await listImagesFiltered();
    // The signer sorts the array in place (by code unit, so Zulu first) before axios
    // serialises it, hence the order on the wire.
    assert.equal(
      req.url,
      `/v2.1/${PROJECT}/images?limit=2&name=a%20b&changes-since=2020-01-01T00%3A00%3A00Z` +
        "&tag=Zulu&tag=alpha&tag=it's%2B(1)*!&tag=zeta",
    );
    assert.equal(verify(req), 'ok');
  });

  test('query order on the wire and + for space do not matter', async () => {
    const req = await listImagesFiltered();
    const [path, query] = req.url.split('?');
    const reordered = `${path}?${query.split('&').reverse().join('&').replace('name=a%20b', 'name=a+b')}`;
    assert.notEqual(reordered, req.url);
    assert.equal(verify({ ...req, url: reordered }), 'ok');
  });

  test('POST with a JSON body', async () => {
    const req = await createImage();
    assert.equal(req.body, '{"name":"cirros","min_disk":1,"tags":["a b"]}');
    assert.equal(payloadHashOf(req.headers), null);
    assert.equal(verify(req, { payloadHash: sha256Hex(req.body) }), 'ok');
  });

  test('PUT of a non-JSON body signs UNSIGNED-PAYLOAD', async () => {
    const req = await send({
      method: 'PUT',
      url: '/v2/images/{image_id}/file',
      pathParams: { image_id: 'b9f5d3a1-0000-4000-8000-000000000001' },
      contentType: 'application/octet-stream',
      headers: {},
      data: Buffer.from('raw image bytes'),
    });
    assert.equal(req.headers.host, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    assert.equal(req.body, 'raw image bytes');
    assert.equal(payloadHashOf(req.headers), 'UNSIGNED-PAYLOAD');
    assert.equal(verify(req), 'ok');
    assert.equal(verify(req, { payloadHash: sha256Hex(req.body) }), 'signature');
  });

  test('path parameters are canonicalised double-encoded, apostrophes included', async () => {
    const req = await send({
      method: 'PUT',
      url: '/v2/images/{image_id}/tags/{tag}',
      pathParams: { image_id: 'b9f5d3a1-0000-4000-8000-000000000001', tag: "it's a tag" },
    });
    assert.equal(req.url, "/v2/images/b9f5d3a1-0000-4000-8000-000000000001/tags/it's%20a%20tag");
    assert.equal(verify(req), 'ok');
  });

  test('header names with _ and - sort as the SDK sorts them', async () => {
    const req = await send({
      method: 'GET',
      url: '/v2.1/{project_id}/images',
      headers: { host: HOST, 'X-Trace_Id': 'underscore', 'X-Trace-Id': 'hyphen' },
    });
    const auth = parseSdkAuthorization(req.headers.authorization);
    assert.deepEqual(auth?.signedHeaders.slice(-2), ['x-trace-id', 'x-trace_id']);
    assert.equal(verify(req), 'ok');
  });
});

describe('tampering fails the signature', () => {
  let filtered: Received;
  let created: Received;

  before(async () => {
    filtered = await listImagesFiltered();
    created = await createImage();
  });

  test('the untouched requests verify', () => {
    assert.equal(verify(filtered), 'ok');
    assert.equal(verify(created), 'ok');
  });

  test('wrong secret', () => {
    assert.equal(verify(filtered, { secret: `${SK}x` }), 'signature');
  });

  test('changed query value', () => {
    const url = filtered.url.replace('limit=2', 'limit=3');
    assert.notEqual(url, filtered.url);
    assert.equal(verify({ ...filtered, url }), 'signature');
  });

  test('added query parameter', () => {
    assert.equal(verify({ ...filtered, url: `${filtered.url}&visibility=public` }), 'signature');
  });

  test('changed path', () => {
    const url = filtered.url.replace(PROJECT, 'fedcba9876543210fedcba9876543210');
    assert.notEqual(url, filtered.url);
    assert.equal(verify({ ...filtered, url }), 'signature');
  });

  test('changed method', () => {
    assert.equal(verify({ ...filtered, method: 'DELETE' }), 'signature');
  });

  test('changed signed header value', () => {
    assert.equal(verify(withHeaders(filtered, { 'x-project-id': 'fedcba9876543210fedcba9876543210' })), 'signature');
    assert.equal(verify(withHeaders(filtered, { host: '127.0.0.1:9292' })), 'signature');
  });

  test('changed body hash', () => {
    assert.equal(verify(created, { payloadHash: sha256Hex(`${created.body} `) }), 'signature');
    assert.equal(verify(created, { payloadHash: 'UNSIGNED-PAYLOAD' }), 'signature');
  });

  test('signature of the wrong length', () => {
    const authorization = filtered.headers.authorization?.replace(/Signature=([0-9a-f]+)$/, 'Signature=$1ab');
    assert.notEqual(authorization, filtered.headers.authorization);
    assert.equal(verify(withHeaders(filtered, { authorization })), 'signature');
  });
});

describe('X-Sdk-Date freshness', () => {
  let req: Received;
  let at: Date;

  before(async () => {
    req = await listImages();
    at = signedAt(req.headers);
    assert.ok(!Number.isNaN(at.getTime()));
  });

  const shifted = (ms: number) => new Date(at.getTime() + ms);

  test('within 15 minutes either way is ok', () => {
    assert.equal(verify(req, { now: shifted(14 * MINUTE) }), 'ok');
    assert.equal(verify(req, { now: shifted(-14 * MINUTE) }), 'ok');
  });

  test('16 minutes old or 16 minutes in the future is stale', () => {
    assert.equal(verify(req, { now: shifted(16 * MINUTE) }), 'stale');
    assert.equal(verify(req, { now: shifted(-16 * MINUTE) }), 'stale');
  });

  test('maxSkewMs narrows the window', () => {
    assert.equal(verify(req, { now: shifted(2 * MINUTE), maxSkewMs: MINUTE }), 'stale');
    assert.equal(verify(req, { now: shifted(30_000), maxSkewMs: MINUTE }), 'ok');
  });
});

describe('malformed requests', () => {
  let req: Received;

  before(async () => {
    req = await listImages();
  });

  test('the untouched request verifies', () => {
    assert.equal(verify(req), 'ok');
  });

  test('missing X-Sdk-Date', () => {
    assert.equal(verify(withoutHeader(req, 'x-sdk-date')), 'malformed');
  });

  test('unparseable X-Sdk-Date', () => {
    for (const date of ['2020-01-01T00:00:00Z', '20200101T000000', '20240231T000000Z', '20200101T246000Z']) {
      assert.equal(verify(withHeaders(req, { 'x-sdk-date': date })), 'malformed', date);
    }
  });

  test('Authorization of another scheme, or none', () => {
    const other = req.headers.authorization?.replace('SDK-HMAC-SHA256', 'AWS4-HMAC-SHA256');
    assert.notEqual(other, req.headers.authorization);
    assert.equal(verify(withHeaders(req, { authorization: other })), 'malformed');
    assert.equal(verify(withHeaders(req, { authorization: 'Basic YWRtaW46YWRtaW4=' })), 'malformed');
    assert.equal(verify(withoutHeader(req, 'authorization')), 'malformed');
  });

  test('signed header list omitting host or x-sdk-date', () => {
    const signedHeaders = (list: string) =>
      req.headers.authorization?.replace('SignedHeaders=content-type;host;x-project-id;x-sdk-date', `SignedHeaders=${list}`);
    assert.equal(verify(withHeaders(req, { authorization: signedHeaders('content-type;x-project-id;x-sdk-date') })), 'malformed');
    assert.equal(verify(withHeaders(req, { authorization: signedHeaders('content-type;host;x-project-id') })), 'malformed');
    // Dropping any other header is a signature mismatch, not a structural fault.
    assert.equal(verify(withHeaders(req, { authorization: signedHeaders('content-type;host;x-sdk-date') })), 'signature');
  });

  test('a signed header absent from the request', () => {
    assert.equal(verify(withoutHeader(req, 'x-project-id')), 'malformed');
    assert.equal(verify(withoutHeader(req, 'content-type')), 'malformed');
  });

  test('a malformed query escape', () => {
    assert.equal(verify({ ...req, url: `${req.url}?name=%E0%A4%A` }), 'malformed');
  });
});
