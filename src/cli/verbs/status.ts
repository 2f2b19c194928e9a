import type { WharfStatus } from '../../control/status.js';
import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { CliError } from '../control-client.js';
import { formatStatus } from '../status-table.js';
import type { Verb } from '../verb.js';

export const statusVerb: Verb = {
  name: 'status',
  summary: 'Apps and their instances (pid, port, state, restarts, uptime, why not ready), upstream servers and their health.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    ...CONTROL_OPTIONS,
    output: { type: 'string', short: 'o', value: 'FORMAT', description: 'table (default) or json (the control API\'s /api/status document)' },
  },
  examples: ['wharf status', 'wharf status -o json | jq \'.apps[].instances[].state\''],
  async run({ values, stdout }) {
    const output = (values.output as string | undefined) ?? 'table';
    if (output !== 'table' && output !== 'json') throw new CliError(`status: --output must be table or json, not "${output}"`, 'WHARF_USAGE');
    const { client, url } = await controlClientFor(values);
    const status = await client.get<WharfStatus>('/api/status');
    // The table says which wharf answered first; JSON stays one document for scripts.
    stdout.write(output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : `wharf at ${url} · config ${status.config.file} (${status.config.hash})\n${formatStatus(status)}`);
    return 0;
  },
};
