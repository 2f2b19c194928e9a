// `wharf up`: run in the foreground until SIGINT/SIGTERM; SIGHUP reloads, SIGUSR1 reopens logs.
// Signals are handled from the first moment: a SIGTERM while apps are still starting stops
// them too (a default signal death would leave their processes running, holding their ports).
import { Wharf } from '../wharf.js';
import { formatAddress } from '../net/address.js';
import { processHeapTrim } from '../observe/heap-trim.js';

/**
 * Handles accepting on each listening socket. With one, a busy wharf took a burst of 200 new
 * connections over 3 s, one per event-loop turn; see src/net/accept-handles.ts and the README's
 * "Tail latency under load" for the measurements behind 16.
 */
const ACCEPT_HANDLES = 16;

export async function runUp(configFile: string): Promise<number> {
  let wharf: Wharf | undefined;
  let signalled: string | undefined;
  let wake!: () => void;
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));
  const stop = (signal: string) => {
    if (signalled) {
      process.stderr.write(`wharf: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    signalled = signal;
    wharf?.logger.info({ signal }, wharf.edgeAddresses().length ? 'shutting down: draining in-flight requests' : 'shutting down while starting');
    // Also ends a start in progress: run() sees it and stops what it had started.
    void wharf?.shutdown().catch(() => {});
    wake();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Before the config is loaded there is nothing to reload, but a SIGHUP must not kill wharf.
  process.on('SIGHUP', () => void wharf?.reload());
  process.on('SIGUSR1', () => wharf?.reopenLogs());

  // The process is wharf's alone here, so it may steer V8's collector (see heap-trim.ts).
  const heapTrim = processHeapTrim()?.start();
  wharf = await Wharf.load(configFile, { meter: heapTrim, acceptHandles: ACCEPT_HANDLES });
  const { logger } = wharf;
  // Logged from 'exit', so the line means the process is really gone; written synchronously
  // because nothing asynchronous runs after 'exit'.
  process.once('exit', (code) => {
    if (!logger.isLevelEnabled('info')) return;
    process.stderr.write(`${JSON.stringify({ level: 'info', time: new Date().toISOString(), service: 'wharf', pid: process.pid, exit_code: code, msg: 'wharf stopped' })}\n`);
  });
  if (!signalled) {
    try {
      await wharf.run();
      const edges = wharf.edgeAddresses().map((a) => `${a.tls ? 'https' : 'http'}://${formatAddress(a)}`);
      process.stderr.write(`wharf: serving ${edges.join(', ')}; control and dashboard on http://${formatAddress(wharf.controlAddress())}\n`);
    } catch (error) {
      if (!signalled) throw error;
    }
  }
  await stopRequested;
  let code = 0;
  try {
    await wharf.shutdown();
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'shutdown failed');
    code = 1;
  }
  // Everything is stopped; a client library's leftover timer or socket (a reconnecting etcd
  // channel, say) must not keep a stopped wharf alive. Output still being written gets a moment.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}

const EXIT_GRACE_MS = 1_000;
