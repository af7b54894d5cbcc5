import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKind } from './errors.js';
import { StateGate } from './state-gate.js';

/** A promise and the function that settles it. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('a change waits for the requests in flight, and requests arriving meanwhile enter after it', async () => {
  const gate = new StateGate(60_000);
  const order: string[] = [];
  assert.equal(gate.enter(), true);
  const hold = deferred();
  const change = gate.alone(async () => {
    order.push('change');
    await hold.promise;
    order.push('change done');
  });
  const later = gate.enter();
  assert.notEqual(later, true);
  const entered = (later as Promise<boolean>).then((admitted) => order.push(`later admitted: ${admitted}`));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(order.length, 0);
  order.push('request done');
  gate.leave();
  await new Promise((resolve) => setImmediate(resolve));
  hold.resolve();
  await change;
  await entered;
  assert.deepEqual(order, ['request done', 'change', 'change done', 'later admitted: true']);
  gate.leave();
});

test('changes run one at a time', async () => {
  const gate = new StateGate(60_000);
  const order: string[] = [];
  const first = deferred();
  const a = gate.alone(async () => {
    order.push('a');
    await first.promise;
    order.push('a done');
  });
  const b = gate.alone(async () => {
    order.push('b');
  });
  await new Promise((resolve) => setImmediate(resolve));
  first.resolve();
  await Promise.all([a, b]);
  assert.deepEqual(order, ['a', 'a done', 'b']);
});

test('a change the requests in flight leave no room for is refused, changing nothing, and the gate opens again', async () => {
  const gate = new StateGate(20);
  assert.equal(gate.enter(), true);
  let ran = false;
  await assert.rejects(
    gate.alone(async () => {
      ran = true;
    }),
    (err) => isKind(err, 'conflict'),
  );
  assert.equal(ran, false);
  assert.equal(gate.enter(), true);
});

test('a request that waits longer than the bound for a change is not admitted', async () => {
  const gate = new StateGate(20);
  const hold = deferred();
  const change = gate.alone(() => hold.promise);
  assert.equal(await gate.enter(), false);
  hold.resolve();
  await change;
  assert.equal(gate.enter(), true);
});
