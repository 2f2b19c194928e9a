// A prom-client Histogram whose observations are counted in plain arrays held by the caller
// (one HistogramCells per label set), so observing is a bucket search and three additions:
// no label hashing or validation per request. The registry reads it like any histogram.
import { Histogram, type Registry } from 'prom-client';

export class HistogramCells {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export interface SummedHistogramConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly buckets: readonly number[];
  readonly registry: Registry;
}

type Exported<L extends string> = Awaited<ReturnType<Histogram<L>['get']>>;
type ExportedValue<L extends string> = Exported<L>['values'][number];

export class SummedHistogram<L extends string> extends Histogram<L> {
  private readonly cellsList: HistogramCells[] = [];
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(config: SummedHistogramConfig<L>) {
    super({ name: config.name, help: config.help, labelNames: config.labelNames, buckets: [...config.buckets], registers: [config.registry] });
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.metricName = config.name;
    this.metricHelp = config.help;
  }

  /** New cells for one label set; the caller keeps them and observes into them. */
  cells(labels: Record<L, string>): HistogramCells {
    const cells = new HistogramCells(labels, this.bounds);
    this.cellsList.push(cells);
    return cells;
  }

  override async get(): Promise<Exported<L>> {
    return this.getForPromString();
  }

  /** What the registry formats (prom-client prefers this method for the text exposition). */
  async getForPromString(): Promise<Exported<L>> {
    const values: ExportedValue<L>[] = [];
    const name = this.metricName;
    const bucket = `${name}_bucket`;
    // The `le` label is not one of L, so label objects are typed loosely here.
    const value = (metricName: string, labels: Record<string, string | number>, v: number) => ({ metricName, labels, value: v }) as ExportedValue<L>;
    for (const cells of this.cellsList) {
      if (cells.count === 0) continue;
      let running = 0;
      this.bounds.forEach((bound, i) => {
        running += cells.counts[i]!;
        values.push(value(bucket, { ...cells.labels, le: bound }, running));
      });
      values.push(value(bucket, { ...cells.labels, le: '+Inf' }, cells.count));
      values.push(value(`${name}_sum`, { ...cells.labels }, cells.sum));
      values.push(value(`${name}_count`, { ...cells.labels }, cells.count));
    }
    // prom-client's own get() would call back into this method, so the object is built here.
    return { name, help: this.metricHelp, type: 'histogram' as unknown as Exported<L>['type'], aggregator: 'sum', collect: () => undefined, values };
  }
}
