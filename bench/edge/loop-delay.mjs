// Preloaded (--import) into every Node proxy the edge bench runs: event-loop delay, sampled
// every millisecond, written to the file named by BENCH_LOOP_DELAY_FILE on SIGUSR2 (the bench
// sends it after each wrk run) and then reset, so each run gets its own figures.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns) => ns / 1e6;
    writeFileSync(file, JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) }));
    histogram.reset();
  });
}
