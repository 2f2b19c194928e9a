// One CLI verb: its usage, its own options (node:util.parseArgs with strict checking), how
// many positionals it takes, an example, and what it does. `wharf VERB --help` and shell
// completion are generated from these descriptions, so they cannot drift from the parser.
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { CliError } from './control-client.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help: FILE, URL, N. */
  readonly value?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface VerbInput {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export interface Verb {
  readonly name: string;
  /** One line for `wharf --help`. */
  readonly summary: string;
  /** Positional part of the usage line: "APP N|max". */
  readonly args: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly options: OptionSpecs;
  readonly examples: readonly string[];
  /** Words offered by shell completion for the first positional (e.g. `bash zsh`). */
  readonly completions?: readonly string[];
  run(input: VerbInput): Promise<number>;
}

export const HELP_OPTION: OptionSpecs = { help: { type: 'boolean', short: 'h', description: 'show this help' } };

/** Parses argv for `verb`; unknown options and a wrong number of arguments are usage errors. */
export function parseVerbArgs(verb: Verb, argv: readonly string[]): { positionals: string[]; values: VerbInput['values'] } {
  const options = { ...verb.options, ...HELP_OPTION };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short && { short: o.short }), ...(o.multiple && { multiple: true }) }]),
      ),
    });
  } catch (error) {
    throw usageError(verb, (error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { positionals, values } = parsed;
  if (!values.help) {
    if (positionals.length < verb.minArgs) throw usageError(verb, `missing argument${verb.args ? ` (${verb.args})` : ''}`);
    if (positionals.length > verb.maxArgs) {
      throw usageError(verb, `unexpected argument${positionals.length - verb.maxArgs > 1 ? 's' : ''}: ${positionals.slice(verb.maxArgs).join(' ')}`);
    }
  }
  return { positionals, values: values as VerbInput['values'] };
}

export function usageLine(verb: Verb): string {
  return `wharf ${verb.name}${verb.args ? ` ${verb.args}` : ''}${Object.keys(verb.options).length ? ' [options]' : ''}`;
}

export function usageError(verb: Verb, message: string): CliError {
  return new CliError(`${verb.name}: ${message}\nusage: ${usageLine(verb)} (see \`wharf ${verb.name} --help\`)`, 'WHARF_USAGE');
}

export function verbHelp(verb: Verb): string {
  const rows = Object.entries({ ...verb.options, ...HELP_OPTION }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, o.description + (o.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `usage: ${usageLine(verb)}`,
    '',
    verb.summary,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    '',
    verb.examples.length > 1 ? 'examples:' : 'example:',
    ...verb.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
