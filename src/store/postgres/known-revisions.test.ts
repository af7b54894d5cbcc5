import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KnownRevisions } from './known-revisions.js';

/** Known revisions on a clock the test moves. */
function onClock(boundMs = 200) {
  const clock = { now: 1000 };
  return { clock, known: new KnownRevisions(boundMs, () => clock.now) };
}

test('nothing is answered at once before a first read', () => {
  const { known } = onClock();
  assert.equal(known.current('catalog'), undefined);
  assert.equal(known.current('identity'), undefined);
});

test('a read is answered from until the bound has passed since it was sent, then must be read again', () => {
  const { clock, known } = onClock();
  known.confirm({ catalog: 7, identity: 3 }, 1000);
  clock.now = 1199;
  assert.equal(known.current('catalog'), '7');
  assert.equal(known.current('identity'), '3');
  clock.now = 1200;
  assert.equal(known.current('catalog'), undefined);
  known.confirm({ catalog: 7, identity: 3 }, 1150);
  assert.equal(known.current('catalog'), '7');
});

test('a notification raises a revision at once, and an older read or notification never lowers it', () => {
  const { known } = onClock();
  known.confirm({ catalog: 7, identity: 3 }, 1000);
  known.tell('catalog', 9);
  assert.equal(known.current('catalog'), '9');
  known.tell('catalog', 8);
  known.confirm({ catalog: 8, identity: 2 }, 1000);
  assert.equal(known.current('catalog'), '9');
  assert.equal(known.current('identity'), '3');
});

test('a notification alone confirms nothing: without a read the bound still runs out', () => {
  const { clock, known } = onClock();
  known.confirm({ catalog: 1, identity: 1 }, 1000);
  clock.now = 1250;
  known.tell('identity', 2);
  assert.equal(known.current('identity'), undefined);
  assert.equal(known.known('identity'), '2');
});

test("after this process's own change, only a read sent after it is answered from", () => {
  const { clock, known } = onClock();
  known.confirm({ catalog: 1, identity: 1 }, 1000);
  clock.now = 1010;
  known.changedHere();
  assert.equal(known.current('catalog'), undefined);
  // Sent before the change ended: it may not have seen the change.
  known.confirm({ catalog: 1, identity: 1 }, 1005);
  assert.equal(known.current('catalog'), undefined);
  known.confirm({ catalog: 2, identity: 1 }, 1010);
  assert.equal(known.current('catalog'), '2');
});
