// Unit tests for lib/util: the u64 reader and the binary search every sorted lookup uses.
import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { u64 } from "../../lib/util/bytes.ts";
import { bisect } from "../../lib/util/bisect.ts";

test("u64: little- and big-endian, exact up to 2^53", () => {
  const dv = new DataView(new ArrayBuffer(16));
  dv.setBigUint64(0, 0x001f_ffff_ffff_ffffn, true);
  dv.setBigUint64(8, 0x7f12_3456_789an, false);
  assert.equal(u64(dv, 0), 2 ** 53 - 1);
  assert.equal(u64(dv, 0, true), 2 ** 53 - 1);
  assert.equal(u64(dv, 8, false), 0x7f12_3456_789a);
  assert.notEqual(u64(dv, 8), 0x7f12_3456_789a, "the byte order matters");
});

test("bisect: the first index where the predicate turns false, within [lo, hi)", () => {
  const a = [1, 3, 3, 5, 8];
  const atOrBelow = (x: number) => bisect(a.length, (i) => a[i] <= x) - 1;
  assert.deepEqual([0, 1, 3, 4, 8, 9].map(atOrBelow), [-1, 0, 2, 2, 4, 4]);
  assert.equal(bisect(a.length, (i) => a[i] < 3), 1, "lower bound");
  assert.equal(bisect(0, () => true), 0, "empty");
  assert.equal(bisect(5, (i) => a[i] <= 8, 2), 5, "from lo");
  assert.equal(bisect(4, (i) => a[i] <= 0, 2), 2, "nothing before lo is looked at");
});
