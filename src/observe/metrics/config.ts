// Config reload outcomes and the hash of the config being served, so a dashboard can show
// which file version each wharf runs and alert on a reload that was rejected.
import { Counter, Gauge, type Registry } from 'prom-client';

export class ConfigMetrics {
  private readonly reloads: Counter<'result'>;
  private readonly lastReload: Gauge<'result'>;

  constructor(registry: Registry, currentHash: () => string) {
    const registers = [registry];
    this.reloads = new Counter({ name: 'wharf_config_reloads_total', help: 'Config reloads, by result (success or failure).', labelNames: ['result'], registers });
    this.lastReload = new Gauge({ name: 'wharf_config_last_reload_timestamp_seconds', help: 'Unix time of the last reload, by result.', labelNames: ['result'], registers });
    new Gauge<'hash'>({
      name: 'wharf_config_info',
      help: 'Always 1; the hash label is the sha256 of the config file being served.',
      labelNames: ['hash'],
      registers,
      collect() {
        this.reset();
        this.set({ hash: currentHash() }, 1);
      },
    });
    // Both results show from the start, so rate() and alerts see a 0 before the first reload.
    this.reloads.inc({ result: 'success' }, 0);
    this.reloads.inc({ result: 'failure' }, 0);
  }

  reloaded(ok: boolean): void {
    const result = ok ? 'success' : 'failure';
    this.reloads.inc({ result });
    this.lastReload.set({ result }, Date.now() / 1000);
  }
}
