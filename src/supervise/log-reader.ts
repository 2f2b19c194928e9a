// `wharf logs APP -n N`: the last N lines of an app's log, reaching into rotated files
// (APP.log.1, .2, ...) when the current one holds fewer. Files are read backwards in blocks,
// so a tail of a large log costs about the size of the lines returned.
import { open } from 'node:fs/promises';

const BLOCK_BYTES = 64 * 1024;

export async function tailLog(path: string, keep: number, lines: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i <= keep && out.length < lines; i++) {
    const file = i === 0 ? path : `${path}.${i}`;
    out.unshift(...(await lastLines(file, lines - out.length)));
  }
  return out;
}

export async function lastLines(file: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const blocks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    // count + 1 newlines guarantee `count` whole lines after the first (possibly cut) one.
    while (position > 0 && newlines <= count) {
      const length = Math.min(BLOCK_BYTES, position);
      position -= length;
      const block = Buffer.alloc(length);
      await handle.read(block, 0, length, position);
      blocks.unshift(block);
      for (const byte of block) if (byte === 0x0a) newlines++;
    }
    const text = Buffer.concat(blocks).toString('utf8');
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    if (position > 0) all.shift();
    return all.slice(-count);
  } finally {
    await handle.close();
  }
}
