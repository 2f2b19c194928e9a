// MD5-crypt (Poul-Henning Kamp's algorithm, FreeBSD 1994), which Apache's htpasswd uses by
// default under the magic "$apr1$"; "$1$" is the same algorithm with the other magic.
// MD5 here is not chosen for strength: it is what existing htpasswd files contain.
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function to64(value: number, characters: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < characters; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** The full hash string `${magic}${salt}$${digest}` for a password and a salt (max 8 chars used). */
export function md5crypt(password: string, salt: string, magic: '$apr1$' | '$1$' = '$apr1$'): string {
  const pw = Buffer.from(password, 'utf8');
  const saltText = salt.split('$')[0]!.slice(0, 8);
  const saltBytes = Buffer.from(saltText, 'utf8');
  const magicBytes = Buffer.from(magic, 'utf8');

  const alternate = md5(pw, saltBytes, pw);
  const parts: Buffer[] = [pw, magicBytes, saltBytes];
  for (let left = pw.length; left > 0; left -= 16) parts.push(alternate.subarray(0, Math.min(16, left)));
  // One byte per bit of the length: a zero byte for set bits, the password's first byte otherwise.
  const zero = Buffer.alloc(1);
  const first = pw.subarray(0, 1);
  for (let bits = pw.length; bits > 0; bits >>>= 1) parts.push(bits & 1 ? zero : first);
  let digest = md5(...parts);

  // 1000 rounds, deliberately slow (by 1994 standards).
  for (let round = 0; round < 1000; round++) {
    const hash = createHash('md5');
    hash.update(round & 1 ? pw : digest);
    if (round % 3) hash.update(saltBytes);
    if (round % 7) hash.update(pw);
    hash.update(round & 1 ? digest : pw);
    digest = hash.digest();
  }

  const d = digest;
  const encoded =
    to64((d[0]! << 16) | (d[6]! << 8) | d[12]!, 4) +
    to64((d[1]! << 16) | (d[7]! << 8) | d[13]!, 4) +
    to64((d[2]! << 16) | (d[8]! << 8) | d[14]!, 4) +
    to64((d[3]! << 16) | (d[9]! << 8) | d[15]!, 4) +
    to64((d[4]! << 16) | (d[10]! << 8) | d[5]!, 4) +
    to64(d[11]!, 2);
  return `${magic}${saltText}$${encoded}`;
}
