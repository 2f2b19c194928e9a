// The in-process event bus: supervisor, health checks, reloads and guards publish here;
// the SSE stream, alerts and metrics subscribe. One instance, created in the composition root.
import { EventEmitter } from 'node:events';

export interface InstanceEvent {
  readonly app: string;
  readonly id: number;
  readonly pid?: number;
  readonly port?: number;
  readonly from: string;
  readonly to: string;
  readonly reason?: string;
}
export interface HealthEvent { readonly pool: string; readonly peer: string; readonly healthy: boolean; readonly reason?: string }
export interface ReloadEvent { readonly ok: boolean; readonly hash?: string; readonly errors?: readonly string[] }
export interface RejectEvent { readonly route: string; readonly reason: string; readonly status: number }
/** An alert incident starting (firing) or ending (resolved); see src/observe/alerts/. */
export interface AlertEvent {
  readonly status: 'firing' | 'resolved';
  /** The rule: instance_fatal, upstream_unavailable, route_error_rate. */
  readonly alert: string;
  /** Identifies the incident within its rule (app/id, upstream or route name). */
  readonly key: string;
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ms since epoch. */
  readonly startsAt: number;
  readonly endsAt?: number;
}

/** A change asked of the control API, or any request it refused: who, what, and how it ended. */
export interface AuditEvent {
  readonly client: string;
  readonly method: string;
  readonly path: string;
  /** The app, service or other object acted on, when the path names one. */
  readonly target?: string;
  readonly status: number;
  readonly outcome: 'done' | 'refused' | 'failed';
  /** How the caller proved itself: token, session, public, login; absent when refused before that. */
  readonly via?: string;
  readonly reason?: string;
}

/** A release's rollout moved (see src/release/rollout-machine.ts). */
export interface RolloutEvent {
  readonly app: string;
  readonly release: number;
  readonly from: string;
  readonly to: string;
  readonly step?: number;
  /** Canary share of the app's traffic after the move (0..1). */
  readonly weight?: number;
  readonly reason?: string;
}

/** A registry instance changed state ('absent': registered or deregistered). */
export interface RegistryEvent {
  readonly service: string;
  readonly id: string;
  readonly from: 'passing' | 'warning' | 'critical' | 'absent';
  readonly to: 'passing' | 'warning' | 'critical' | 'absent';
  readonly origin: 'api' | 'supervisor';
}

/** Cluster mode: this node lost or regained etcd. */
export interface ClusterEvent {
  readonly node: string;
  readonly state: 'connected' | 'degraded';
}

export interface WharfEventMap {
  instance: [InstanceEvent];
  health: [HealthEvent];
  reload: [ReloadEvent];
  reject: [RejectEvent];
  alert: [AlertEvent];
  audit: [AuditEvent];
  rollout: [RolloutEvent];
  registry: [RegistryEvent];
  cluster: [ClusterEvent];
}

export class EventBus extends EventEmitter<WharfEventMap> {
  constructor() {
    super();
    // The dashboard, SSE clients and alerts all listen; many listeners are expected.
    this.setMaxListeners(0);
  }
}
