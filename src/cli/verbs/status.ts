import type { WharfStatus } from '../../control/status.js';
import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { CliError } from '../control-client.js';
import { formatStatus } from '../status-table.js';
import type { Verb } from '../verb.js';
import { table } from '../status-table.js';
import type { ControlClient } from '../control-client.js';

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
    if (output === 'json') {
      stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    stdout.write(`wharf at ${url} · config ${status.config.file} (${status.config.hash})\n`);
    if (status.cluster) stdout.write(await clusterSummary(client, status.cluster));
    stdout.write(formatStatus(status));
    return 0;
  },
};

/** Cluster mode: this node's link to etcd, and which applied config revision every node runs. */
async function clusterSummary(client: ControlClient, cluster: NonNullable<WharfStatus['cluster']>): Promise<string> {
  const { nodes } = await client.get<{ nodes: { name: string; state: string; address: string; revision?: number; failed?: { revision: number; errors: string[] } }[] }>('/api/nodes');
  const head = `cluster: node ${cluster.node} · ${cluster.state}${cluster.leader ? ' · places replicas' : ''} · config revision ${cluster.revision} (latest ${cluster.latest})`;
  const rows = nodes.map((n) => [n.name, n.state, n.address, n.revision === undefined ? '-' : String(n.revision), n.failed ? `revision ${n.failed.revision}: ${n.failed.errors[0] ?? ''}` : '']);
  return `${head}\n${table(['NODE', 'STATE', 'ADDRESS', 'RUNS REVISION', 'COULD NOT APPLY'], rows)}\n\n`;
}
