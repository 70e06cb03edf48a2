import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWhole } from './write-whole.js';

test('writeWhole replaces a file whole, and a write that fails leaves no temporary file behind', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-write-whole-'));
  try {
    const file = path.join(dir, 'model.bin');
    await writeWhole(file, Buffer.from('first'));
    await writeWhole(file, [Buffer.from('sec'), Buffer.from('ond')]);
    assert.equal(fs.readFileSync(file, 'utf8'), 'second');
    // A target that is a directory with something in it: the temporary file is written, the rename fails.
    const taken = path.join(dir, 'taken');
    fs.mkdirSync(taken);
    fs.writeFileSync(path.join(taken, 'x'), 'x');
    await assert.rejects(writeWhole(taken, Buffer.from('no')));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.bin', 'taken']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
