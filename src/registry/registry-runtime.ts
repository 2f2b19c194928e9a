// The registry part as the composition root sees it: the Registry with its check runner and
// state file, the /v1/ handler, and the optional listeners of `registry:` (Consul API, DNS),
// re-bound when a reload changes their addresses.
import type { IncomingMessage } from 'node:http';
import type { RegistryConfig } from '../config/model.js';
import { Registry, type StatusChange } from './registry.js';
import { CheckRunner, type RegistryProbes } from './check-runner.js';
import { sharedProbes } from './check-probes.js';
import { RegistryStore } from './registry-store.js';
import { consulApi, type RegistryRoute } from './consul-api.js';
import { ConsulListener } from './consul-listener.js';
import type { DnsServer } from './dns-server.js';
import type { NodeIdentity } from './consul-views.js';

export interface RegistryRuntimeOptions {
  readonly stateDir: string;
  readonly node: NodeIdentity;
  /** For the own listener (registry.consul_api); the control address gates its requests itself. */
  readonly authorize: (req: IncomingMessage, url: URL) => 'ok' | 'unauthorized';
  readonly onStatusChange?: (change: StatusChange) => void;
  readonly onError?: (error: Error, what: string) => void;
  readonly probes?: RegistryProbes;
  readonly version?: string;
  readonly maxServices?: number;
}

interface Bound<T> {
  readonly key: string;
  readonly server: T;
}

export class RegistryRuntime {
  readonly registry: Registry;
  /** The /v1/ handler to mount on the control address, behind the control server's gate. */
  readonly api: RegistryRoute;
  private readonly ownApi: RegistryRoute;
  private readonly runner: CheckRunner;
  private readonly store: RegistryStore;
  private consul: Bound<ConsulListener> | undefined;
  private dns: Bound<DnsServer> | undefined;

  /** Restores the saved registrations (throws WHARF_REGISTRY_STATE when the file is damaged). */
  constructor(private readonly options: RegistryRuntimeOptions) {
    this.store = new RegistryStore(options.stateDir, (error) => options.onError?.(error, 'saving the registry state'));
    const restored = this.store.load();
    this.runner = new CheckRunner(options.probes ?? sharedProbes);
    this.registry = new Registry({
      selfAddress: options.node.address,
      maxServices: options.maxServices,
      scheduler: this.runner,
      onStatusChange: options.onStatusChange,
      startIndex: restored.index + 1,
    });
    const registry = this.registry;
    this.runner.attach({
      report: (checkId, status, output) => registry.updateCheck(checkId, status, output),
      deregister: (serviceId) => registry.deregister(serviceId),
    });
    for (const definition of restored.services) registry.register(definition, { replaceExistingChecks: true });
    this.store.watch(registry);
    const api = (authorize: RegistryRuntimeOptions['authorize']) => consulApi({
      registry,
      node: options.node,
      authorize,
      version: options.version,
      onError: (error, path) => options.onError?.(error, `Consul API ${path}`),
    });
    this.api = api(() => 'ok');
    this.ownApi = api(options.authorize);
  }

  get stateFile(): string {
    return this.store.file;
  }

  /** Starts, moves or stops the registry's own listeners to match the config. */
  async apply(config: RegistryConfig): Promise<void> {
    this.consul = await rebind(this.consul, config.consulApi, async ({ host, port }) => {
      const listener = new ConsulListener(this.ownApi);
      await listener.start(host, port);
      return listener;
    });
    this.dns = await rebind(this.dns, config.dns, async ({ host, port }) => {
      // Loaded only when a DNS address is configured: most configs have none.
      const { DnsServer } = await import('./dns-server.js');
      const server = new DnsServer(this.registry, this.options.node);
      await server.start(host, port);
      return server;
    });
  }

  consulAddress(): { host: string; port: number } | undefined {
    return this.consul?.server.address();
  }

  dnsAddress(): { host: string; port: number } | undefined {
    return this.dns?.server.address();
  }

  /** Everything registered so far is on disk. */
  flushed(): Promise<void> {
    return this.store.flushed();
  }

  async close(): Promise<void> {
    this.runner.stopAll();
    await Promise.all([this.consul?.server.close(), this.dns?.server.close()]);
    this.consul = undefined;
    this.dns = undefined;
    await this.store.close();
  }
}

/** A new address is bound before the old one is let go, so a failed bind changes nothing. */
async function rebind<T extends { close(): Promise<void> }>(
  current: Bound<T> | undefined,
  wanted: { host: string; port: number } | undefined,
  start: (address: { host: string; port: number }) => Promise<T>,
): Promise<Bound<T> | undefined> {
  const key = wanted ? `${wanted.host}:${wanted.port}` : '';
  if (current?.key === key && key !== '') return current;
  const next = wanted ? { key, server: await start(wanted) } : undefined;
  await current?.server.close();
  return next;
}
