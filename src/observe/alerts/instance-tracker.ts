// The last known state of every supervised instance, kept from the 'instance' events, so the
// alert rules never have to poll the supervisor (whose status reads /proc for each process).
import type { EventBus, InstanceEvent } from '../events.js';

export class InstanceTracker {
  private readonly states = new Map<string, Map<number, InstanceEvent>>();
  private readonly onInstance = (event: InstanceEvent) => {
    let app = this.states.get(event.app);
    if (!app) {
      app = new Map();
      this.states.set(event.app, app);
    }
    app.set(event.id, event);
  };

  constructor(private readonly events: EventBus) {
    events.on('instance', this.onInstance);
  }

  /** Every instance's last transition, by app. */
  *instances(): IterableIterator<[string, InstanceEvent]> {
    for (const [app, instances] of this.states) for (const event of instances.values()) yield [app, event];
  }

  /** True when some instance of `app` keeps failing (backoff or fatal) and none is ready. */
  failing(app: string): boolean {
    const instances = this.states.get(app);
    if (!instances) return false;
    let failing = false;
    for (const event of instances.values()) {
      if (event.to === 'ready') return false;
      if (event.to === 'backoff' || event.to === 'fatal') failing = true;
    }
    return failing;
  }

  stop(): void {
    this.events.off('instance', this.onInstance);
  }
}
