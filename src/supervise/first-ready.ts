// `wharf up` opens its public listeners once every app that should run has a ready instance,
// so the first requests are not answered 503 while apps boot. An app whose instances have all
// given up (crash loop, restart: never) is not waited for: waiting cannot change it.
import type { AppConfig } from '../config/model.js';
import type { EventBus } from '../observe/events.js';
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
