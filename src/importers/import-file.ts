// `wharf import FILE`: picks the importer by the file's name, then by its content.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ImportError, type ImportResult } from './import-result.js';
import { translateNginx } from './nginx/translate.js';
import { importPm2 } from './pm2.js';
import { importSupervisord } from './supervisord.js';

export type { ImportResult } from './import-result.js';
export { ImportError } from './import-result.js';

export type ImportFormat = 'nginx' | 'pm2' | 'supervisord';

export interface ImportOptions {
  /** PM2: the environment whose env_NAME is merged over env (`pm2 start --env NAME`). */
  readonly env?: string;
}

export async function importFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ImportError('WHARF_IMPORT_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`);
  }
  const format = detectFormat(path, text);
  switch (format) {
    case 'nginx':
      return translateNginx(path);
    case 'pm2':
      return importPm2(path, text, options.env);
    case 'supervisord':
      return importSupervisord(path, text);
    default:
      throw new ImportError(
        'WHARF_IMPORT_UNKNOWN_FORMAT',
        `${path}: not an nginx.conf, a PM2 ecosystem file (ecosystem*.js/.cjs/.mjs/.json) or a supervisord.conf`,
      );
  }
}

export function detectFormat(path: string, text: string): ImportFormat | undefined {
  const name = basename(path).toLowerCase();
  if (name === 'nginx.conf') return 'nginx';
  if (name === 'supervisord.conf') return 'supervisord';
  if (/^ecosystem.*\.(js|cjs|mjs|json)$/.test(name)) return 'pm2';
  if (/^\s*\[program:/m.test(text)) return 'supervisord';
  if (name.endsWith('.json') && hasAppsArray(text)) return 'pm2';
  if (name.endsWith('.conf') && /(^|[\s;{}])(http|server|upstream\s+[^\s{]+)\s*\{/.test(text)) return 'nginx';
  return undefined;
}

function hasAppsArray(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { apps?: unknown };
    return Array.isArray(parsed.apps);
  } catch {
    return false;
  }
}
