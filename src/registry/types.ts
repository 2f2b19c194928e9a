// The registry's own model of services and checks: what a registration holds after the
// Consul JSON (or the supervisor) has been read and checked, and the entries readers get.
// Durations are milliseconds.

export type HealthStatus = 'passing' | 'warning' | 'critical';
/** `managed`: the owner (the supervisor) sets the status; nothing probes it. */
export type CheckKind = 'http' | 'tcp' | 'ttl' | 'managed';

export interface HttpCheckTarget {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly tlsSkipVerify: boolean;
}

export interface TcpCheckTarget {
  readonly host: string;
  readonly port: number;
}

export interface CheckDefinition {
  readonly id: string;
  readonly name: string;
  readonly kind: CheckKind;
  readonly notes: string;
  /** HTTP/TCP: time between probes. */
  readonly intervalMs: number;
  /** HTTP/TCP: a probe slower than this is critical. */
  readonly timeoutMs: number;
  /** TTL: a check not updated within this turns critical. */
  readonly ttlMs: number;
  readonly http?: HttpCheckTarget;
  readonly tcp?: TcpCheckTarget;
  /** HTTP/TCP: results in a row before passing / before warning or critical (Consul's counters; 0 = 1). */
  readonly successBeforePassing: number;
  readonly failuresBeforeCritical: number;
  /** 0: never; else a service with this check critical for that long is deregistered. */
  readonly deregisterCriticalAfterMs: number;
  readonly initialStatus: HealthStatus;
}

export interface ServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly checks: readonly CheckDefinition[];
}

export interface CheckView {
  readonly definition: CheckDefinition;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly status: HealthStatus;
  readonly output: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** A registered service as the registry holds it; an empty address in its registration was filled with the registry's own. */
export interface ServiceEntry extends Omit<ServiceDefinition, 'checks'> {
  /** Critical if any check is critical, else warning if any is, else passing (no checks: passing). */
  readonly status: HealthStatus;
  readonly origin: 'api' | 'supervisor';
  readonly checks: readonly CheckView[];
  readonly createIndex: number;
  readonly modifyIndex: number;
}
