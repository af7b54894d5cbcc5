import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkPrefixes, nextLink, quotePlus, type LinkBase } from './links.js';

const base: LinkBase = {
  origin: 'http://h:8774',
  versionPrefix: '/v2.1',
  projectSegment: '/p1',
  imageEndpoint: 'http://h:9292',
  alternateWithProject: false,
};

test('image links follow the reference shapes', () => {
  assert.deepEqual(linkPrefixes(base), {
    self: 'http://h:8774/v2.1/p1/images/',
    bookmark: 'http://h:8774/p1/images/',
    alternate: 'http://h:9292/images/',
    serverSelf: 'http://h:8774/v2.1/p1/servers/',
    serverBookmark: 'http://h:8774/p1/servers/',
  });
  assert.equal(linkPrefixes({ ...base, alternateWithProject: true }).alternate, 'http://h:9292/p1/images/');
});

test('next link sorts parameters, keeps the largest duplicate and puts a new marker last', () => {
  const params: Array<[string, string]> = [['zzz', '1'], ['limit', '2'], ['aaa', '2'], ['name', 'a'], ['name', 'b']];
  assert.equal(nextLink(base, '/images', params, 'm1'), 'http://h:8774/v2.1/p1/images?aaa=2&limit=2&name=b&zzz=1&marker=m1');
  assert.equal(
    nextLink(base, '/images/detail', [['marker', 'old'], ['limit', '2'], ['name', 'x']], 'new'),
    'http://h:8774/v2.1/p1/images/detail?limit=2&marker=new&name=x',
  );
});

test('quotePlus escapes as Python does', () => {
  assert.equal(quotePlus("a b/c:d~e!'()*"), 'a+b%2Fc%3Ad~e%21%27%28%29%2A');
  assert.equal(quotePlus('镜'), '%E9%95%9C');
});
