// wharf's own version, read from the package.json that ships beside src/ and dist/.
import { readFileSync } from 'node:fs';

export function wharfVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
