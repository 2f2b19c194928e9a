import type { WharfStatus } from '../../control/status.js';
import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { CliError, type ControlClient } from '../control-client.js';
import type { Verb } from '../verb.js';

export const logsVerb: Verb = {
  name: 'logs',
  summary: "An app's captured stdout/stderr (and wharf's notes on its instances). Without APP, every app is followed, each line prefixed with its app's name (as `pm2 logs`).",
  args: '[APP]',
  minArgs: 0,
  maxArgs: 1,
  options: {
    ...CONTROL_OPTIONS,
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
    lines: { type: 'string', short: 'n', value: 'N', description: 'how many past lines to print first (default 50)' },
  },
  examples: ['wharf logs books -n 200', 'wharf logs -n 0'],
  async run({ positionals, values, stdout }) {
    const lines = (values.lines as string | undefined) ?? '50';
    if (!/^\d+$/.test(lines)) throw new CliError(`logs: --lines must be a whole number, not "${lines}"`, 'WHARF_USAGE');
    const { client } = await controlClientFor(values);
    const app = positionals[0];
    if (app) {
      const body = await client.stream(logsPath(app, lines, Boolean(values.follow)));
      for await (const chunk of body) stdout.write(chunk);
      return 0;
    }
    const status = await client.get<WharfStatus>('/api/status');
    const names = status.apps.map((a) => a.name);
    if (names.length === 0) throw new CliError('logs: this wharf runs no apps', 'WHARF_NO_APPS');
    const width = Math.max(...names.map((n) => n.length));
    await Promise.all(names.map((name) => followPrefixed(client, name, `${name.padEnd(width)} | `, lines, (text) => stdout.write(text))));
    return 0;
  },
};

function logsPath(app: string, lines: string, follow: boolean): string {
  return `/api/apps/${encodeURIComponent(app)}/logs?lines=${lines}${follow ? '&follow=1' : ''}`;
}

async function followPrefixed(client: ControlClient, app: string, prefix: string, lines: string, write: (text: string) => void): Promise<void> {
  const body = await client.stream(logsPath(app, lines, true));
  const decoder = new TextDecoder();
  let partial = '';
  for await (const chunk of body) {
    const parts = (partial + decoder.decode(chunk, { stream: true })).split('\n');
    partial = parts.pop() ?? '';
    // Whole lines only, so two apps' output never interleaves inside a line.
    if (parts.length) write(parts.map((line) => `${prefix}${line}\n`).join(''));
  }
  if (partial) write(`${prefix}${partial}\n`);
}
