// Turns a child's output chunks into lines. A line longer than the cap is cut into pieces so
// one runaway write (a binary blob, no newline) cannot grow memory without bound.
import { StringDecoder } from 'node:string_decoder';

const MAX_LINE_CHARS = 16 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    let start = 0;
    let newline: number;
    while ((newline = text.indexOf('\n', start)) >= 0) {
      this.emit(text.slice(start, newline));
      start = newline + 1;
    }
    let rest = text.slice(start);
    while (rest.length > MAX_LINE_CHARS) {
      this.onLine(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.partial = rest;
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.emit(rest);
  }

  private emit(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    for (let i = 0; i < text.length || i === 0; i += MAX_LINE_CHARS) this.onLine(text.slice(i, i + MAX_LINE_CHARS));
  }
}
