// wharf's own log: one JSON object per line (pino), to stderr so stdout stays free for the
// access log. Levels are written as names ("level":"warn") so log shippers and jq filters
// need no table of pino's numbers. Tests pass `level: 'silent'`.
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'wharf' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
