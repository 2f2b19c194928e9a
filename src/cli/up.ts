// `wharf up`: run in the foreground until SIGINT/SIGTERM; SIGHUP reloads, SIGUSR1 reopens logs.
import { Wharf } from '../wharf.js';
import { formatAddress } from '../net/address.js';

export async function runUp(configFile: string): Promise<number> {
  const wharf = await Wharf.start(configFile);
  const control = wharf.controlAddress();
  const edges = wharf.edgeAddresses().map((a) => `${a.tls ? 'https' : 'http'}://${formatAddress(a)}`);
  process.stderr.write(`wharf: serving ${edges.join(', ')}; control and dashboard on http://${formatAddress(control)}\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`wharf: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      wharf.logger.info({ signal }, 'shutting down: draining in-flight requests');
      void wharf.shutdown().then(
        () => resolve(0),
        (error: Error) => {
          wharf.logger.error({ err: error.message }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => void wharf.reload());
    process.on('SIGUSR1', () => wharf.reopenLogs());
  });
}
