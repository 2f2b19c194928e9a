// The last stderr lines of a run, bounded in count and length, so a crash can explain itself.

/** How many stderr lines of a run are kept to explain its end, and how long each may be. */
const STDERR_TAIL_LINES = 10;
const STDERR_LINE_MAX = 500;

export class StderrTail {
  private lines: string[] = [];

  push(line: string): void {
    this.lines.push(line.length > STDERR_LINE_MAX ? `${line.slice(0, STDERR_LINE_MAX)}…` : line);
    if (this.lines.length > STDERR_TAIL_LINES) this.lines.shift();
  }

  /** A new run starts with an empty tail; the last run's stays until then. */
  clear(): void {
    this.lines = [];
  }

  get length(): number {
    return this.lines.length;
  }

  /** Undefined while the run has written no stderr line. */
  get last(): string | undefined {
    return this.lines[this.lines.length - 1];
  }

  /** A copy: the status must not change when the next line arrives. */
  snapshot(): string[] {
    return [...this.lines];
  }
}
