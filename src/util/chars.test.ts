import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSpace } from './chars.js';

test('isSpace is exactly the set \\s matches, over every UTF-16 code unit', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    assert.equal(isSpace(c), /\s/.test(ch), `isSpace U+${c.toString(16)}`);
  }
});
