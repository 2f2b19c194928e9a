// A TCP check: the port accepting a connection within the timeout is a pass (Consul's rule).
// The connection is closed at once; nothing is written to it.
import { connect } from 'node:net';
import { critical, passing, type CheckResult } from './check-result.js';

export interface TcpTarget {
  readonly host: string;
  readonly port: number;
}

export function probeTcp(target: TcpTarget, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => finish(critical(`connect to ${target.host}:${target.port} timed out after ${timeoutMs}ms`)), timeoutMs);
    function finish(result: CheckResult): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once('connect', () => finish(passing(`connected to ${target.host}:${target.port}`)));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(critical(error.message)));
  });
}
