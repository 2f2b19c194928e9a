// `wharf nodes` and `wharf apply`: the cluster verbs (one machine until cluster mode exists).
import { ConfigLoader } from '../../config/load.js';
import { CliError } from '../control-client.js';
import { CONFIG_OPTION, CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { table } from '../status-table.js';
import type { Verb } from '../verb.js';

export const nodesVerb: Verb = {
  name: 'nodes',
  summary: "The cluster's nodes, their state, address and ready instances (one machine: this one).",
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: CONTROL_OPTIONS,
  examples: ['wharf nodes'],
  async run({ values, stdout }) {
    const { client } = await controlClientFor(values);
    const { nodes } = await client.get<{ nodes: { name: string; address: string; state: string; apps: Record<string, number> }[] }>('/api/nodes');
    const rows = nodes.map((n) => [n.name, n.state, n.address, Object.entries(n.apps).map(([app, count]) => `${app}=${count}`).join(' ') || '-']);
    stdout.write(`${table(['NODE', 'STATE', 'ADDRESS', 'READY INSTANCES'], rows)}\n`);
    return 0;
  },
};

export const applyVerb: Verb = {
  name: 'apply',
  summary: "Cluster mode: validate FILE and make it the cluster's shared config.",
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: CONFIG_OPTION,
  examples: ['wharf apply -c wharf.yaml'],
  async run({ values }) {
    // Validated first, so a bad file gets its FILE:LINE:COL errors whatever else is missing.
    await new ConfigLoader().load((values.config as string | undefined) ?? 'wharf.yaml');
    throw new CliError('wharf apply shares a config through etcd in cluster mode, which this version does not have yet; on one machine, edit the file and run `wharf reload`', 'WHARF_CLUSTER_UNAVAILABLE');
  },
};
