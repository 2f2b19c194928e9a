// `wharf nodes` and `wharf apply`: the cluster verbs (without a cluster block, nodes lists this machine).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { ConfigLoader } from '../../config/load.js';
import { NODE_LOCAL_KEYS } from '../../config/node-overlay.js';
import { CliError, type ControlClient } from '../control-client.js';
import { CONFIG_OPTION, CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { table } from '../status-table.js';
import type { Verb } from '../verb.js';

export const nodesVerb: Verb = {
  name: 'nodes',
  summary: "The cluster's nodes: state, address, config revision and ready instances (without a cluster: this machine).",
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: CONTROL_OPTIONS,
  examples: ['wharf nodes'],
  async run({ values, stdout }) {
    const { client } = await controlClientFor(values);
    const { nodes } = await client.get<{ nodes: (NodeRow & { address: string; apps: Record<string, number>; leader?: boolean })[] }>('/api/nodes');
    const rows = nodes.map((n) => [
      `${n.name}${n.leader ? ' *' : ''}`,
      n.state,
      n.address,
      n.revision === undefined ? '-' : `${n.revision}${n.failed ? ` (failed ${n.failed.revision})` : ''}`,
      Object.entries(n.apps).map(([app, count]) => `${app}=${count}`).join(' ') || '-',
    ]);
    stdout.write(`${table(['NODE', 'STATE', 'ADDRESS', 'CONFIG', 'READY INSTANCES'], rows)}\n`);
    return 0;
  },
};

export const applyVerb: Verb = {
  name: 'apply',
  summary: "Cluster mode: validate FILE and make it the cluster's shared config; waits until every live node runs it.",
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    ...CONFIG_OPTION,
    node: { type: 'string', value: 'FILE', description: "the running node's own config, to find its control address and token (default ./wharf.yaml when it exists)" },
    control: CONTROL_OPTIONS.control!,
    token: CONTROL_OPTIONS.token!,
    verbose: CONTROL_OPTIONS.verbose!,
    wait: { type: 'string', value: 'SECONDS', description: 'how long to wait for every live node to run it (default 30; 0: do not wait)' },
  },
  examples: ['wharf apply -c shared.yaml', 'wharf apply -c shared.yaml --control http://10.0.0.5:9901'],
  async run({ values, stdout, stderr }) {
    const file = (values.config as string | undefined) ?? 'wharf.yaml';
    // Checked here first, so a bad file gets its FILE:LINE:COL errors before anything is sent.
    await new ConfigLoader().load(file);
    const text = await readFile(file, 'utf8');
    for (const key of ignoredKeys(text)) stderr.write(`wharf: ${file}: "${key}" is ignored in an applied config (each node's own file keeps ${NODE_LOCAL_KEYS.join(', ')})\n`);
    const { client } = await controlClientFor({ ...values, config: values.node }, stderr);
    const { revision } = await client.post<{ revision: number }>('/api/cluster/config', { file: basename(file), text });
    stdout.write(`applied ${file} as revision ${revision}\n`);
    const waitSeconds = values.wait === undefined ? 30 : Number(values.wait);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new CliError('--wait takes a number of seconds', 'WHARF_BAD_ARGUMENT');
    if (waitSeconds === 0) return 0;
    return converge(client, revision, waitSeconds * 1000, stdout);
  },
};

/** Waits until every live node runs `revision` or reports why it cannot; 1 when some node did not. */
async function converge(client: ControlClient, revision: number, timeoutMs: number, stdout: NodeJS.WritableStream): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { nodes } = await client.get<{ nodes: NodeRow[] }>('/api/nodes');
    const alive = nodes.filter((n) => n.state === 'alive');
    const failed = alive.filter((n) => n.failed && n.failed.revision >= revision);
    const behind = alive.filter((n) => (n.revision ?? 0) < revision && !failed.includes(n));
    if (behind.length === 0 || Date.now() >= deadline) {
      for (const node of failed) stdout.write(`${node.name}: could not apply revision ${node.failed!.revision}; it keeps running revision ${node.revision ?? 0}:\n  ${node.failed!.errors.join('\n  ')}\n`);
      for (const node of behind) stdout.write(`${node.name}: still on revision ${node.revision ?? 0} after ${timeoutMs / 1000}s\n`);
      if (failed.length === 0 && behind.length === 0) stdout.write(`every live node (${alive.map((n) => n.name).join(', ')}) runs revision ${revision}\n`);
      return failed.length === 0 && behind.length === 0 ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface NodeRow {
  name: string;
  state: string;
  revision?: number;
  failed?: { revision: number; errors: string[] };
}

/** Top-level keys of the applied text that each node takes from its own file instead. */
function ignoredKeys(text: string): string[] {
  const top = parseDocument(text).contents;
  if (!isMap(top)) return [];
  return top.items.map((item) => String((item.key as { value?: unknown })?.value ?? item.key)).filter((key) => (NODE_LOCAL_KEYS as readonly string[]).includes(key));
}
