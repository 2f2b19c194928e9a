// The control token when the config sets none: made once, kept in state_dir/control.token with
// mode 0600, so the operator's CLI reads it and other users of the machine cannot (as PM2's
// socket in the owner's home and supervisord's chmod-0700 socket).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'control.token';

export function tokenFileOf(stateDir: string): string {
  return join(stateDir, TOKEN_FILE);
}

/** The configured token, else the one in the state dir, else a new one written there. */
export async function ensureControlToken(configured: string, stateDir: string): Promise<{ token: string; file?: string }> {
  if (configured) return { token: configured };
  const file = tokenFileOf(stateDir);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const existing = await readFile(file, 'utf8').then((text) => text.trim(), () => '');
  if (existing) {
    // A copied or restored state dir may have lost its mode; the token must stay the owner's.
    await chmod(file, 0o600);
    return { token: existing, file };
  }
  const token = randomBytes(32).toString('base64url');
  // 'wx': two wharfs racing on one state dir never overwrite each other's token.
  const handle = await open(file, 'wx', 0o600).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return undefined;
    throw error;
  });
  if (!handle) return { token: (await readFile(file, 'utf8')).trim(), file };
  try {
    await handle.writeFile(`${token}\n`);
  } finally {
    await handle.close();
  }
  return { token, file };
}

/** For the CLI: the token in the state dir, or undefined when there is none or it is not ours to read. */
export function readControlTokenFile(stateDir: string): string | undefined {
  try {
    return readFileSync(tokenFileOf(stateDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
