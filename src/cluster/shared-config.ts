// The cluster's shared config in etcd: `wharf apply` stores a validated file's text at one key
// (its mod revision is the config's revision), every node mirrors that key and reloads when it
// moves, and each node writes, under its lease, which revision it runs and, when it could not
// apply the latest, why. A node that cannot apply keeps serving its previous config.
import type { Etcd3 } from 'etcd3';
import { KEYS } from './cluster-keys.js';
import { PrefixMirror } from './prefix-mirror.js';

export interface AppliedConfig {
  /** The file name it was applied from (shown in errors and status). */
  readonly file: string;
  readonly text: string;
  readonly appliedAt: number;
  readonly revision: number;
}

/** What one node reports about the shared config. */
export interface NodeConfigReport {
  /** The revision it runs (0: its own file only). */
  readonly revision: number;
  /** Set when it could not apply a later revision: that revision and the errors. */
  readonly failed?: { readonly revision: number; readonly errors: readonly string[] };
}

export class SharedConfig {
  readonly config: PrefixMirror;
  readonly reports: PrefixMirror;

  constructor(
    private readonly client: Etcd3,
    onConfigChange: () => void,
  ) {
    this.config = new PrefixMirror(client, KEYS.config, () => onConfigChange());
    this.reports = new PrefixMirror(client, KEYS.applied, () => {});
  }

  async start(): Promise<void> {
    await this.reports.start();
    await this.config.start();
  }

  current(): AppliedConfig | undefined {
    const held = this.config.get('');
    if (!held) return undefined;
    const parsed = JSON.parse(held.value) as Omit<AppliedConfig, 'revision'>;
    return { ...parsed, revision: held.modRevision };
  }

  /** Stores a config every node will run; resolves to its revision. */
  async store(file: string, text: string): Promise<number> {
    const response = await this.client.put(KEYS.config).value(JSON.stringify({ file, text, appliedAt: Date.now() })).exec();
    return Number(response.header.revision);
  }

  async report(node: string, lease: string, report: NodeConfigReport): Promise<void> {
    if (!lease) return;
    await this.client.put(KEYS.applied + node).value(JSON.stringify(report)).lease(lease).exec();
  }

  reportOf(node: string): NodeConfigReport | undefined {
    const held = this.reports.get(node);
    return held && (JSON.parse(held.value) as NodeConfigReport);
  }

  async close(): Promise<void> {
    await Promise.all([this.config.close(), this.reports.close()]);
  }
}
