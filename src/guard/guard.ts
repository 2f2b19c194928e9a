// The contract for per-route admission checks (access, auth, limit_req, limit_conn, body
// size by Content-Length). Guards are built once per route at config time; `admit` runs on
// the hot path and must not allocate more than it needs.
import type { IncomingHttpHeaders } from 'node:http';

export interface GuardRequest {
  readonly clientIp: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** Registers a callback run exactly once when the exchange ends, however it ends. */
  onDone(callback: () => void): void;
}

export interface Rejection {
  readonly status: number;
  /** Stable reason for logs and metrics: access_denied, rate_limited, conn_limited, body_too_large, unauthorized. */
  readonly reason: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Verdict = Rejection | undefined;

export interface Guard {
  readonly name: string;
  admit(request: GuardRequest): Verdict | Promise<Verdict>;
}
