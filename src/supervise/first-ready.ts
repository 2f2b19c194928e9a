// `wharf up` opens its public listeners once every app that should run has a ready instance,
// so the first requests are not answered 503 while apps boot. An app whose instances have all
// given up (crash loop, restart: never) is not waited for: waiting cannot change it.
import type { AppConfig } from '../config/model.js';
import type { EventBus } from '../observe/events.js';
import type { Logger } from '../observe/logger.js';
import type { AppStatus } from './status.js';

export interface FirstReadyOutcome {
  /** Apps still without a ready instance when the wait ended, with what their instances are doing. */
  readonly notReady: readonly { readonly app: string; readonly instances: readonly string[] }[];
  readonly timedOut: boolean;
}

export function appsWithoutReadyInstance(apps: ReadonlyMap<string, AppConfig>, status: readonly AppStatus[], countGaveUp = true): AppStatus[] {
  const byName = new Map(status.map((s) => [s.name, s]));
  const waiting: AppStatus[] = [];
  for (const [name, config] of apps) {
    if (config.instances === 0) continue;
    const app = byName.get(name) ?? { name, instances: [] };
    if (app.instances.some((i) => i.ready)) continue;
    const gaveUp = app.instances.length > 0 && app.instances.every((i) => i.state === 'fatal' || (i.state === 'exited' && i.lastExit !== undefined));
    if (gaveUp && !countGaveUp) continue;
    waiting.push(app);
  }
  return waiting;
}

/** Resolves once every app has a ready instance or has given up, `settled` rejects, or `timeoutMs` has passed. */
export function waitForFirstReady(
  apps: ReadonlyMap<string, AppConfig>,
  status: () => readonly AppStatus[],
  events: EventBus,
  timeoutMs: number,
  settled: Promise<unknown>,
): Promise<FirstReadyOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      events.off('instance', check);
      const notReady = appsWithoutReadyInstance(apps, status()).map((app) => ({
        app: app.name,
        instances: app.instances.map((i) => `${app.name}.${i.id} ${i.state}${i.waiting_for ?? i.reason ? `: ${i.waiting_for ?? i.reason}` : ''}`),
      }));
      resolve({ notReady, timedOut });
    };
    // Before the supervisor has settled, an app may not have its instances yet.
    let applied = false;
    const check = () => {
      if (applied && appsWithoutReadyInstance(apps, status(), false).length === 0) finish(false);
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    events.on('instance', check);
    settled.then(
      () => {
        applied = true;
        check();
      },
      // Starting failed as a whole (the caller hears why): nothing to wait for.
      () => finish(false),
    );
  });
}

export interface ListenerGateDeps {
  /** The apps as the supervisor runs them (with their releases). */
  readonly apps: ReadonlyMap<string, AppConfig>;
  readonly status: () => readonly AppStatus[];
  readonly events: EventBus;
  readonly logger: Logger;
  /** timeouts.startup */
  readonly timeoutMs: number;
  /** A shutdown during the wait makes apps that could not start expected, not worth a warning. */
  readonly shuttingDown: () => boolean;
}

/**
 * Resolves when the public listeners may open: every app started (`applying` settled, its
 * failure thrown) and ready or given up, or timeouts.startup passed. Apps still not ready are
 * logged by name, since their routes answer 503 until they are.
 */
export async function waitToOpenListeners(applying: Promise<void>, deps: ListenerGateDeps): Promise<void> {
  const { logger, timeoutMs } = deps;
  const outcome = await waitForFirstReady(deps.apps, deps.status, deps.events, timeoutMs, applying);
  if (outcome.timedOut) {
    // A slow app must not keep the edge (static routes, upstreams, other apps) closed forever.
    logger.warn(
      { startup_timeout_ms: timeoutMs, not_ready: outcome.notReady },
      `opening listeners before every app is ready: timeouts.startup (${timeoutMs}ms) passed; requests to ${outcome.notReady.map((a) => a.app).join(', ')} get 503 until an instance is ready`,
    );
    applying.catch((error: Error) => logger.error({ err: error.message }, 'starting apps failed'));
    return;
  }
  await applying;
  if (outcome.notReady.length > 0 && !deps.shuttingDown()) {
    logger.warn({ not_ready: outcome.notReady }, `opening listeners: ${outcome.notReady.map((a) => a.app).join(', ')} could not start (see wharf status)`);
  }
}
