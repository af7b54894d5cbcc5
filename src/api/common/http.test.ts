import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { logFailure, originForm, parseJsonBytes } from './http.js';

test('a JSON body is strict UTF-8 and holds no NUL character or lone surrogate in any string or key', () => {
  assert.deepEqual(parseJsonBytes(Buffer.from('{"a": ["b", {"c": "d"}]}')), { a: ['b', { c: 'd' }] });
  // An escaped backslash before `u0000` writes no NUL.
  assert.deepEqual(parseJsonBytes(Buffer.from('{"a": "\\\\u0000"}')), { a: '\\u0000' });
  // A pair of surrogates is one character; either half alone is none.
  assert.deepEqual(parseJsonBytes(Buffer.from('"\\ud83d\\ude00"')), '\u{1f600}');
  for (const text of ['{"a": "b\\u0000"}', '{"a\\u0000": 1}', '["x", ["\\u0000"]]', '"\\u0000"', '{"a": "\\ud800"}', '{"\\uDC00": 1}', '"\\ude00\\ud83d"']) {
    assert.throws(() => parseJsonBytes(Buffer.from(text)), SyntaxError, text);
  }
  assert.throws(() => parseJsonBytes(Buffer.from([0x22, 0xff, 0x22])), TypeError);
});

test('a request target in absolute form is read as its path and query', () => {
  assert.equal(originForm('/v2/images?limit=1'), '/v2/images?limit=1');
  assert.equal(originForm('http://host:9292/v2/images?limit=1'), '/v2/images?limit=1');
  assert.equal(originForm('HTTPS://host'), '/');
  assert.equal(originForm('http://host?x=1'), '/?x=1');
  assert.equal(originForm('*'), '*');
});

test('a failure is logged as an error unless the client left before its body was all sent', () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string })) });
  const logger = pino({ level: 'info' }, sink);
  const request = (destroyed: boolean, complete: boolean) =>
    ({ id: 'req-1', method: 'PUT', url: '/v2/images/x/file', raw: { destroyed, complete } }) as unknown as FastifyRequest;
  logFailure(logger, request(true, false), new Error('aborted'));
  logFailure(logger, request(true, true), new Error('after the body'));
  logFailure(logger, request(false, false), new Error('while reading'));
  assert.deepEqual(lines.map(({ level, msg }) => [level, msg]), [[30, 'client went away'], [50, 'unexpected error'], [50, 'unexpected error']]);
});
