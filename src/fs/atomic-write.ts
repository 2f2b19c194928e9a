// A state file written whole: into a temporary file beside it, then renamed over it, so a kill
// -9 mid-write leaves the old file or the new one, never half of one.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(file: string, text: string, mode?: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, mode === undefined ? {} : { mode });
  await rename(temporary, file);
}
