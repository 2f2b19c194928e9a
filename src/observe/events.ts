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

export interface WharfEventMap {
  instance: [InstanceEvent];
  health: [HealthEvent];
  reload: [ReloadEvent];
  reject: [RejectEvent];
}

export class EventBus extends EventEmitter<WharfEventMap> {
  constructor() {
    super();
    // The dashboard, SSE clients and alerts all listen; many listeners are expected.
    this.setMaxListeners(0);
  }
}
