import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseExternalUri, redirectTarget } from './external-uri.js';
import { admit, isInternal } from './import-filter.js';
import { HttpWebSource } from './web-source.js';

describe('a URI read as Python reads it', () => {
  // Each expectation is what Python 3.11's urlsplit makes of the text (scheme, netloc, hostname, port, path and query).
  const cases: Array<[string, [string, string, string | null, number | null, string] | 'ValueError']> = [
    ['http://Example.COM:80/a?b=1#f', ['http', 'Example.COM:80', 'example.com', 80, '/a?b=1']],
    ['http://user:pw@h:8080', ['http', 'user:pw@h:8080', 'h', 8080, '/']],
    ['http://[FE80::1]/', ['http', '[FE80::1]', 'fe80::1', null, '/']],
    ['http://h:/x', ['http', 'h:', 'h', null, '/x']],
    ['http:///x', ['http', '', null, null, '/x']],
    [' \u0001http://h/a', ['http', 'h', 'h', null, '/a']],
    ['ht\ttp://h/\nx', ['http', 'h', 'h', null, '/x']],
    ['http://2130706433/', ['http', '2130706433', '2130706433', null, '/']],
    ['http://a@b@c:1/', ['http', 'a@b@c:1', 'c', 1, '/']],
    ['http://h:65536/', 'ValueError'],
    ['http://h:8a/', 'ValueError'],
    ['http://[::1/', 'ValueError'],
  ];
  for (const [text, expected] of cases) {
    test(JSON.stringify(text), () => {
      if (expected === 'ValueError') {
        assert.throws(() => parseExternalUri(text));
        return;
      }
      const { scheme, netloc, hostname, port, target } = parseExternalUri(text);
      assert.deepEqual([scheme, netloc, hostname, port, target], expected);
    });
  }

  test("a redirect's Location is joined to the URI it came from, escaped as urllib escapes it", () => {
    assert.equal(redirectTarget('http://H:80/a/b?q', '/c d'), 'http://H:80/c%20d');
    assert.equal(redirectTarget('http://H/a/b', 'c?x=1'), 'http://H/a/c?x=1');
    assert.equal(redirectTarget('http://H/a/b', '../c'), 'http://H/c');
    assert.equal(redirectTarget('https://H/a', '//other/x'), 'https://other/x');
    assert.equal(redirectTarget('http://H/a', 'ftp://other/x'), 'ftp://other/x');
  });
});

describe('the import filter', () => {
  const refused = (uri: string, allowInternal = false) => admit(uri, { allowInternal }).then((admitted) => admitted === null);

  test('admits http and https to public addresses on ports 80 and 443 (or none), connecting to the address named', async () => {
    for (const uri of ['http://8.8.8.8/x', 'https://8.8.8.8:443/x', 'http://[2001:db8::1]:80/']) {
      assert.equal(await refused(uri), false, uri);
    }
    assert.equal((await admit('http://[2001:DB8::1]/', { allowInternal: false }))?.address, '2001:db8::1');
  });

  test('refuses other schemes and ports, no host, encoded addresses and names DNS does not resolve', async () => {
    for (const uri of [
      'ftp://8.8.8.8/x', 'file:///etc/passwd', 'http://8.8.8.8:8080/x', 'http:///x', 'http://8.8.8.8:99999/',
      'http://2130706433/', 'http://127.1/', 'http://0x7f000001/', 'http://010.0.0.1/', 'http://no-such-host.invalid/x', '',
    ]) {
      assert.equal(await refused(uri), true, uri);
    }
  });

  test('refuses loopback, link-local, private, shared, multicast and reserved addresses, IPv4-mapped ones too', async () => {
    for (const address of ['127.0.0.1', '169.254.169.254', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255']) {
      assert.ok(isInternal(address), address);
      assert.equal(await refused(`http://${address}/`), true, address);
    }
    for (const address of ['::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      assert.ok(isInternal(address), address);
      assert.equal(await refused(`http://[${address}]/`), true, address);
    }
    assert.equal(await refused('http://localhost/'), true, 'a name that is not a DNS name');
    assert.equal(isInternal('8.8.8.8'), false);
  });

  test('allowing internal addresses admits them on any port, and still refuses what is not http(s) or encoded', async () => {
    assert.equal(await refused('http://127.0.0.1:8080/x', true), false);
    assert.equal(await refused('http://[::1]:1/', true), false);
    assert.equal(await refused('ftp://127.0.0.1/x', true), true);
    assert.equal(await refused('http://2130706433/', true), true);
  });
});

describe('fetching', () => {
  let server: Server;
  let base = '';
  const source = new HttpWebSource({ allowInternal: true, idleMs: 300 });
  const DATA = Buffer.from('image bytes '.repeat(100));

  before(async () => {
    server = createServer((req, res) => {
      const [path] = (req.url ?? '').split('?');
      if (path === '/data') return res.writeHead(200, { 'content-length': DATA.length }).end(DATA);
      if (path === '/unsized') return res.writeHead(200, { connection: 'close' }).end(DATA);
      if (path === '/host') return res.writeHead(200).end(req.headers.host);
      if (path === '/hop') return res.writeHead(302, { location: 'data' }).end();
      if (path === '/loop') return res.writeHead(307, { location: '/loop' }).end();
      if (path === '/encoded') return res.writeHead(301, { location: 'http://2130706433/data' }).end();
      if (path === '/ftp') return res.writeHead(302, { location: 'ftp://127.0.0.1/data' }).end();
      if (path === '/short') {
        res.writeHead(200, { 'content-length': DATA.length * 2 }).write(DATA);
        return setTimeout(() => res.destroy(), 20);
      }
      if (path === '/silent') return;
      res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const read = async (body: AsyncIterable<Uint8Array>) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const fetchOf = (path: string) => source.open(`${base}${path}`, new AbortController().signal);

  test('streams the data with the length the server announced, or none', async () => {
    const sized = await fetchOf('/data');
    assert.equal(sized.length, DATA.length);
    assert.deepEqual(await read(sized.body), DATA);
    const unsized = await fetchOf('/unsized');
    assert.equal(unsized.length, null);
    assert.deepEqual(await read(unsized.body), DATA);
  });

  test('asks for the host as the URI names it, whatever address it connects to', async () => {
    assert.equal(String(await read((await fetchOf('/host?x#y')).body)), new URL(base).host);
  });

  test('follows redirects the filter admits, and refuses those it does not', async () => {
    assert.deepEqual(await read((await fetchOf('/hop')).body), DATA);
    await assert.rejects(fetchOf('/encoded'), /Redirect to disallowed URL: http:\/\/2130706433\/data/);
    await assert.rejects(fetchOf('/ftp'), /Redirect to disallowed URL: ftp:/);
    await assert.rejects(fetchOf('/loop'), /redirect error that would lead to an infinite loop/);
    await assert.rejects(new HttpWebSource({ allowInternal: false, idleMs: 300 }).open(`${base}/data`, new AbortController().signal), /does not pass filtering/);
  });

  test('fails on an error status, a body cut short and a server that goes silent', async () => {
    await assert.rejects(fetchOf('/missing'), /HTTP Error 404: Not Found/);
    await assert.rejects(async () => read((await fetchOf('/short')).body));
    await assert.rejects(fetchOf('/silent'), /sent nothing for 0.3 s/);
  });
});
