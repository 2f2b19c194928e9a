// Self-signed certificates made at test time with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes NAME.crt and NAME.key into `dir` for the DNS names given (the first is the CN). */
export function makeCert(dir: string, name: string, dnsNames: readonly string[], org = 'wharf-test'): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      // EC keys: generated in milliseconds where RSA takes a noticeable share of a test's time.
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', key, '-out', cert,
      '-subj', `/O=${org}/CN=${dnsNames[0]}`,
      '-addext', `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}`,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export function serialOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).serialNumber;
}
