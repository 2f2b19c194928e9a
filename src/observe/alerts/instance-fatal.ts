// Fires when an instance gives up (fatal: crash loop or start failures past max_restarts);
// resolves when it runs again, is stopped, or its app is removed.
import type { AlertRule, Condition } from './rule.js';
import type { InstanceTracker } from './instance-tracker.js';

export class InstanceFatalRule implements AlertRule {
  readonly name = 'instance_fatal';

  constructor(private readonly instances: InstanceTracker) {}

  holdMs(): number {
    return 0;
  }

  evaluate(): Condition[] {
    const out: Condition[] = [];
    for (const [app, event] of this.instances.instances()) {
      if (event.to !== 'fatal') continue;
      out.push({
        key: `${app}/${event.id}`,
        summary: `instance ${event.id} of app ${app} is fatal${event.reason ? `: ${event.reason}` : ''}; the supervisor stopped restarting it`,
        labels: { app, id: String(event.id) },
      });
    }
    return out;
  }
}
