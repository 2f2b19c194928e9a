// supervisord's %(process_num)d in a program's command or environment, in wharf terms. With
// numprocs=N, supervisord runs N processes numbered numprocs_start, numprocs_start+1, ...; the
// usual reason is a port per process ("--port=80%(process_num)02d"). Consecutive ports become
// `port: FIRST` (instance i listens on FIRST+i) with `$PORT` in the command; a plain number
// counted from 0 becomes `$WHARF_INSTANCE`. Anything else cannot be said in wharf and is reported.

export interface ProcessNumbering {
  /** numprocs_start */
  readonly start: number;
  /** numprocs */
  readonly count: number;
}

export interface ProcessNumResult {
  readonly text: string;
  /** The first process's port, when the expression was a port per process. */
  readonly port?: number;
  /** Why an expression could not be translated (it is left as written). */
  readonly problem?: string;
}

const EXPRESSION = /(\d*)%\(process_num\)([-#0 +]*)(\d*)([sd])/g;
/** A number this large next to process_num is a port, not a worker id. */
const PORT_MIN = 1024;

function format(num: number, flags: string, width: string): string {
  const text = String(num);
  if (!width) return text;
  return text.padStart(Number(width), flags.includes('0') ? '0' : ' ');
}

export function translateProcessNum(value: string, numbering: ProcessNumbering, asCommand: boolean): ProcessNumResult {
  let port: number | undefined;
  let problem: string | undefined;
  const text = value.replace(EXPRESSION, (whole, prefix: string, flags: string, width: string) => {
    const numbers = Array.from({ length: Math.max(1, numbering.count) }, (_, i) => Number(`${prefix}${format(numbering.start + i, flags, width)}`));
    const first = numbers[0]!;
    const consecutive = numbers.every((n, i) => n === first + i);
    if (first >= PORT_MIN && first <= 65535 - numbers.length + 1) {
      if (!consecutive) {
        problem = `${whole} gives ports ${numbers.join(', ')}, not consecutive ones; wharf gives instance i port FIRST+i`;
        return whole;
      }
      if (port !== undefined && port !== first) {
        problem = `${whole} names a second port per process; wharf gives each instance one ($PORT)`;
        return whole;
      }
      port = first;
      return asCommand ? '$PORT' : String(first);
    }
    if (prefix === '' && numbering.start === 0 && (!width || numbering.count <= 10 ** Number(width)) && !flags.includes('0') && asCommand) {
      return '$WHARF_INSTANCE';
    }
    problem = `${whole} numbers processes from ${numbering.start}${width ? ` padded to ${width}` : ''}; wharf numbers instances from 0 ($WHARF_INSTANCE) and gives each its own $PORT`;
    return whole;
  });
  return { text, ...(port !== undefined && { port }), ...(problem !== undefined && { problem }) };
}
