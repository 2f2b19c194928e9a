// The node's connection to etcd and whether it is usable. etcd3 reconnects by itself; what it
// does not tell is "etcd is away right now", which decides degraded mode. A cheap status call
// every PROBE_MS says so: one failure marks the link down, one success marks it up again, and
// listeners hear each change (mirrors re-list, membership re-registers).
import { readFileSync } from 'node:fs';
import { Etcd3, EtcdAuthenticationFailedError, EtcdPermissionDeniedError, isRecoverableError, type IOptions } from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, handleWhen, circuitBreaker, retry } from 'cockatiel';
import type { ClusterConfig } from '../config/model.js';

export type LinkState = 'connected' | 'degraded';

const PROBE_MS = 500;
/** Unary calls give up after this: a node must notice etcd's absence well inside a lease TTL. */
const CALL_DEADLINE_MS = 2_000;

/** A wrong user, password or permission: waiting for etcd will not mend it. */
export function isEtcdAuthError(error: unknown): boolean {
  return error instanceof EtcdAuthenticationFailedError || error instanceof EtcdPermissionDeniedError;
}

/** The client's TLS and password options, read from the files the config names. */
function security(cluster: Pick<ClusterConfig, 'etcdTls' | 'etcdAuth'>): Pick<IOptions, 'credentials' | 'auth'> {
  const { etcdTls: tls, etcdAuth: auth } = cluster;
  return {
    // grpc takes a null root certificate as "the system's CAs".
    credentials: tls && {
      rootCertificate: (tls.ca ? readFileSync(tls.ca) : null) as Buffer,
      privateKey: tls.key ? readFileSync(tls.key) : undefined,
      certChain: tls.cert ? readFileSync(tls.cert) : undefined,
    },
    auth: auth && { username: auth.username, password: readFileSync(auth.passwordFile, 'utf8').replace(/\r?\n$/, '') },
  };
}

export function createEtcdClient(cluster: Pick<ClusterConfig, 'etcd' | 'etcdTls' | 'etcdAuth'>): Etcd3 {
  const recoverable = handleWhen(isRecoverableError);
  return new Etcd3({
    ...security(cluster),
    hosts: [...cluster.etcd],
    dialTimeout: CALL_DEADLINE_MS,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
    faultHandling: {
      // One retry on another member (a dead leader), and a short breaker per member.
      global: retry(recoverable, { maxAttempts: 1 }),
      host: () => circuitBreaker(recoverable, { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
      // Watches come back within a second or two of etcd returning, not after 30 s.
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }).next(),
    },
  });
}

export class EtcdLink {
  private stateValue: LinkState = 'connected';
  private readonly listeners = new Set<(state: LinkState) => void>();
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  /** When the link last went down (0: it is up). */
  private downSince = 0;

  constructor(readonly client: Etcd3) {}

  get state(): LinkState {
    return this.stateValue;
  }

  /** How long etcd has been away (0 while connected). */
  get downForMs(): number {
    return this.downSince === 0 ? 0 : Date.now() - this.downSince;
  }

  /** Resolves once etcd answered, rejects with the last error after `timeoutMs`. */
  async reachable(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.client.maintenance.status();
        return;
      } catch (error) {
        if (Date.now() >= deadline || isEtcdAuthError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  start(initial: LinkState): void {
    this.set(initial);
    this.timer = setInterval(() => void this.probe(), PROBE_MS);
    this.timer.unref();
  }

  onChange(listener: (state: LinkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.client.maintenance.status();
      this.set('connected');
    } catch {
      this.set('degraded');
    } finally {
      this.probing = false;
    }
  }

  private set(state: LinkState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.downSince = state === 'degraded' ? Date.now() : 0;
    for (const listener of [...this.listeners]) listener(state);
  }

  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
    this.client.close();
  }
}
