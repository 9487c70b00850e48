// js/bytes.mjs freeNow: frees an array's memory at once (transfer(0)) where the runtime can, and
// only when the array is all of its ArrayBuffer and large enough; never a view of a shared one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FREE_NOW_FROM, freeNow } from '../../js/bytes.mjs';

const canFree = typeof ArrayBuffer.prototype.transfer === 'function';

test(`a large array that is all of its buffer is ${canFree ? 'freed (Node 22+)' : 'left to the collector (no ArrayBuffer.prototype.transfer)'}`, () => {
  const whole = new Uint8Array(FREE_NOW_FROM);
  freeNow(whole);
  assert.equal(whole.buffer.detached ?? false, canFree);
  assert.equal(whole.length, canFree ? 0 : FREE_NOW_FROM);
});

test('a view of part of a buffer (as a pooled Buffer is), a small array and an already freed one are left alone', () => {
  const shared = new ArrayBuffer(4 * FREE_NOW_FROM);
  const view = new Uint8Array(shared, 0, 2 * FREE_NOW_FROM);
  freeNow(view);
  freeNow(new Uint8Array(shared, FREE_NOW_FROM, FREE_NOW_FROM));
  assert.equal(shared.byteLength, 4 * FREE_NOW_FROM, 'the shared buffer is untouched');
  const small = new Uint8Array(FREE_NOW_FROM - 1);
  freeNow(small);
  assert.equal(small.length, FREE_NOW_FROM - 1);
  const whole = new Uint8Array(FREE_NOW_FROM);
  freeNow(whole);
  freeNow(whole);
  assert.equal(whole.length, canFree ? 0 : FREE_NOW_FROM);
});
