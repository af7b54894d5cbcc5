import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseS3Url } from './s3-location.js';

test('a bucket alone means AWS, us-east-1 and keys at the top of the bucket', () => {
  assert.deepEqual(parseS3Url('s3://images'), { bucket: 'images', prefix: '', endpoint: undefined, region: 'us-east-1' });
  assert.deepEqual(parseS3Url('s3://images/'), { bucket: 'images', prefix: '', endpoint: undefined, region: 'us-east-1' });
});

test('a path is a key prefix, ending in a slash however it is written', () => {
  assert.equal(parseS3Url('s3://b/glint').prefix, 'glint/');
  assert.equal(parseS3Url('s3://b/glint/images/').prefix, 'glint/images/');
  assert.equal(parseS3Url('s3://b/my%20images').prefix, 'my images/');
});

test('endpoint and region come from the query', () => {
  assert.deepEqual(parseS3Url('s3://b/p?endpoint=http://127.0.0.1:9000&region=eu-west-3'), {
    bucket: 'b',
    prefix: 'p/',
    endpoint: 'http://127.0.0.1:9000',
    region: 'eu-west-3',
  });
  assert.equal(parseS3Url('s3://b?endpoint=https%3A%2F%2Fs3.example.org').endpoint, 'https://s3.example.org');
});

test('a bad URL is refused, saying what is wrong with it', () => {
  const cases: [string, RegExp][] = [
    ['images', /is not a URL/],
    ['https://bucket/images', /has the scheme 'https'/],
    ['s3:///images', /names no bucket/],
    ['s3://key:secret@bucket', /carries credentials \(set AWS_ACCESS_KEY_ID/],
    ['s3://bucket:9000', /has a port/],
    ['s3://bucket?endpiont=http://127.0.0.1:9000', /unknown parameter 'endpiont' \(known: endpoint, region\)/],
    ['s3://bucket?endpoint=127.0.0.1:9000', /endpoint that is not an http\(s\) URL/],
    ['s3://bucket?region=', /empty region/],
  ];
  for (const [url, message] of cases) {
    assert.throws(() => parseS3Url(url), (err: Error) => err.message.startsWith('--blobs must be s3://BUCKET') && message.test(err.message), url);
  }
});
