// Apache htpasswd files: one `user:hash` per line. Supported hashes: bcrypt ($2y$, $2a$,
// $2b$; htpasswd -B), MD5-crypt ($apr1$, htpasswd's default; $1$), and {SHA} (base64 SHA-1,
// htpasswd -s). Other formats (DES crypt, $5$/$6$ SHA-crypt, plain text) are refused when
// the file is loaded, naming the line, rather than silently never matching.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GuardConfigError } from './errors.js';
import { md5crypt } from './md5crypt.js';

/** Checks one password; bcrypt answers asynchronously so it never blocks the event loop. */
export type PasswordCheck = (password: string) => boolean | Promise<boolean>;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A checker for one stored hash, or undefined when the format is not supported. */
export function passwordCheck(hash: string): PasswordCheck | undefined {
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
    // bcryptjs is loaded on the first bcrypt check: most configs have no Basic auth at all.
    return (password) => import('bcryptjs').then(({ default: bcrypt }) => bcrypt.compare(password, hash));
  }
  const md5 = /^(\$apr1\$|\$1\$)([^$]{0,8})\$[./A-Za-z0-9]{22}$/.exec(hash);
  if (md5) {
    const magic = md5[1] as '$apr1$' | '$1$';
    const salt = md5[2]!;
    return (password) => sameText(md5crypt(password, salt, magic), hash);
  }
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) {
    return (password) => sameText(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
  }
  return undefined;
}

export function parseHtpasswd(text: string, file: string): Map<string, PasswordCheck> {
  const users = new Map<string, PasswordCheck>();
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    // Apache ignores anything after a second colon (a comment field some tools add).
    const hash = line.slice(colon + 1).split(':')[0]!.trim();
    const check = colon > 0 ? passwordCheck(hash) : undefined;
    if (!check) {
      throw new GuardConfigError(
        'WHARF_HTPASSWD_FORMAT',
        `${file}:${index + 1}:1: unsupported htpasswd entry (use bcrypt "htpasswd -B", MD5 "$apr1$" or "{SHA}")`,
      );
    }
    users.set(user, check);
  });
  return users;
}

export function loadHtpasswd(file: string): Map<string, PasswordCheck> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GuardConfigError('WHARF_HTPASSWD_UNREADABLE', `cannot read htpasswd file ${file}: ${(error as Error).message}`);
  }
  return parseHtpasswd(text, file);
}
