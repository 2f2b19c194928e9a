// Retries told to wharf's own log, so an operator sees failover without the json access log
// (which has them too, in each try's `retry`).
import type { Logger } from '../observe/logger.js';
import type { RetryLog } from './proxy.js';

export function loggedRetries(logger: Logger): RetryLog {
  return {
    retried: (ex, reason) =>
      logger.info({ route: ex.route, upstream: ex.pool, method: ex.method, url: ex.url, client: ex.clientIp, peer: ex.tries.at(-1)?.peer, reason }, 'retrying on another server'),
    denied: (ex, kind) =>
      logger.warn({ route: ex.route, upstream: ex.pool, method: ex.method, url: ex.url, client: ex.clientIp, kind }, 'not retried: the retry budget is spent'),
  };
}
