// A node's place in the cluster: a lease of `ttl` kept alive while the node runs, and its
// record (name, addresses, CPUs, labels, version) put under that lease, so the record and
// every key the node writes with the lease vanish when the node stops answering. A name is
// taken by one node at a time; a node that comes back under its own name and addresses (a
// restart after kill -9, inside the old lease's TTL) takes its old lease over.
import { availableParallelism } from 'node:os';
import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from '../observe/logger.js';
import { ClusterError } from './cluster-errors.js';
import { KEYS } from './cluster-keys.js';

export interface NodeRecord {
  readonly name: string;
  /** Where its instances listen. */
  readonly advertise: string;
  /** Its control API, host:port. */
  readonly control: string;
  readonly cpus: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly version: string;
  readonly startedAt: number;
  /** The lease (hex id) its keys live under. */
  readonly lease: string;
}

export type NodeIdentity = Omit<NodeRecord, 'lease' | 'cpus' | 'startedAt'>;

const REJOIN_EVERY_MS = 500;

export class Membership {
  private lease: Lease | undefined;
  private leaseIdValue = '';
  private closed = false;
  private rejoining = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly client: Etcd3,
    private readonly identity: NodeIdentity,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    /** A new lease replaced a lost one: every key written under the old one must be written again. */
    private readonly onNewLease: () => void,
  ) {}

  /** The lease this node's keys are written with ('' before join). */
  get leaseId(): string {
    return this.leaseIdValue;
  }

  get name(): string {
    return this.identity.name;
  }

  /** Takes the node's name in etcd; WHARF_NODE_NAME_TAKEN if another live node holds it. */
  async join(): Promise<void> {
    const lease = this.client.lease(Math.max(1, Math.ceil(this.ttlMs / 1000)), { autoKeepAlive: true });
    lease.on('lost', (error) => this.lost(lease, error));
    const id = await lease.grant();
    try {
      await this.claim(id);
    } catch (error) {
      await lease.revoke().catch(() => {});
      throw error;
    }
    this.lease = lease;
    this.leaseIdValue = id;
  }

  private async claim(id: string): Promise<void> {
    const record: NodeRecord = { ...this.identity, cpus: availableParallelism(), startedAt: this.startedAt, lease: id };
    const key = KEYS.nodes + this.identity.name;
    const value = JSON.stringify(record);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await this.client
        .if(key, 'Create', '==', 0)
        .then(this.client.put(key).value(value).lease(id), this.client.put(KEYS.members + this.identity.name).value(value))
        .else(this.client.get(key))
        .commit();
      if (result.succeeded) return;
      const held = JSON.parse(result.responses[0]?.response_range?.kvs[0]?.value.toString() ?? 'null') as NodeRecord | null;
      if (!held) continue;
      if (held.advertise !== this.identity.advertise || held.control !== this.identity.control) {
        throw new ClusterError(
          'WHARF_NODE_NAME_TAKEN',
          `node name "${this.identity.name}" is held by a live node (instances on ${held.advertise}, control ${held.control}); give this node another cluster.node`,
        );
      }
      // Our own earlier run, killed before its lease ran out: end that lease and its keys now.
      this.logger.info({ node: this.identity.name, lease: held.lease }, 'cluster: taking over the lease of this node\'s previous run');
      await this.client.leaseClient.leaseRevoke({ ID: held.lease }).catch(() => {});
    }
    throw new ClusterError('WHARF_NODE_NAME_TAKEN', `node name "${this.identity.name}" could not be taken; another node keeps claiming it`);
  }

  private lost(lease: Lease, error: Error): void {
    if (this.closed || lease !== this.lease) return;
    this.logger.warn({ err: error.message, node: this.identity.name }, 'cluster: this node\'s lease expired; its entries are gone from etcd until it re-registers');
    this.lease = undefined;
    this.leaseIdValue = '';
    void this.rejoin();
  }

  private async rejoin(): Promise<void> {
    if (this.rejoining) return;
    this.rejoining = true;
    try {
      while (!this.closed && !this.lease) {
        try {
          await this.join();
          this.logger.info({ node: this.identity.name }, 'cluster: re-registered under a new lease');
          this.onNewLease();
        } catch (error) {
          if ((error as ClusterError).code === 'WHARF_NODE_NAME_TAKEN') this.logger.error({ err: (error as Error).message }, 'cluster: cannot re-register');
          await new Promise((resolve) => setTimeout(resolve, REJOIN_EVERY_MS));
        }
      }
    } finally {
      this.rejoining = false;
    }
  }

  /** Leaves the cluster at once (the record and this node's entries go with the lease). */
  async leave(): Promise<void> {
    this.closed = true;
    await this.lease?.revoke().catch(() => {});
    this.lease = undefined;
  }
}
