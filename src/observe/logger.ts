// wharf's own log: one JSON object per line (pino), to stderr so stdout stays free for the
// access log. Tests pass `level: 'silent'`.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info', destination: NodeJS.WritableStream | number = 2): Logger {
  const stream = typeof destination === 'number' ? pino.destination({ fd: destination, sync: false }) : destination;
  return pino({ level, base: { service: 'wharf' }, timestamp: pino.stdTimeFunctions.isoTime }, stream as never);
}
