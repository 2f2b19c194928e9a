// Series rebuilt from live state at every scrape: each collect starts from nothing, so the
// series of something that went away (a peer, an instance) leave the output with it.
import { Counter, Gauge, type Registry } from 'prom-client';

export type Sample<L extends string> = readonly [labels: Partial<Record<L, string>>, value: number];

export interface ScrapedSeries<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Read at each scrape; a counter's values are running totals kept elsewhere. */
  samples(): Iterable<Sample<L>>;
}

export function registerScraped<L extends string>(registry: Registry, type: 'gauge' | 'counter', series: ScrapedSeries<L>): void {
  const { samples, ...meta } = series;
  const options = { ...meta, registers: [registry] };
  if (type === 'gauge') {
    new Gauge<L>({ ...options, collect() { this.reset(); for (const [labels, value] of samples()) this.set(labels, value); } });
  } else {
    new Counter<L>({ ...options, collect() { this.reset(); for (const [labels, value] of samples()) this.inc(labels, value); } });
  }
}
