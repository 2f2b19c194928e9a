// `wharf` command line: `wharf VERB [args] [options]`. Each verb (src/cli/verbs/) declares
// its own arguments and options; `up`, `check`, `import`, `startup` and `completion` work on
// files, every other verb talks to a running wharf through its control API.
import { ConfigError } from '../config/diagnostics.js';
import { CliError } from './control-client.js';
import { parseVerbArgs, usageLine, verbHelp, type Verb } from './verb.js';
import { allVerbs } from './verbs/index.js';
import { wharfVersion } from './version.js';

function overview(verbs: readonly Verb[]): string {
  const rows = verbs.map((v) => [usageLine(v).slice('wharf '.length), v.summary.split(/(?<=\.) /)[0]!] as const);
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    'usage: wharf <command> [arguments] [options]',
    '',
    ...rows.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`),
    '',
    '  wharf --version              print the version',
    '  wharf COMMAND --help         a command\'s own options and an example',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const verbs = allVerbs();
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    if (rest.length) throw new CliError(`unexpected argument: ${rest.join(' ')}`, 'WHARF_USAGE');
    process.stdout.write(`wharf ${wharfVersion()}\n`);
    return 0;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const verb = topic ? verbs.find((v) => v.name === topic) : undefined;
    if (topic && !verb) throw new CliError(`unknown command "${topic}"`, 'WHARF_USAGE');
    (first === undefined ? process.stderr : process.stdout).write(verb ? verbHelp(verb) : overview(verbs));
    return first === undefined ? 2 : 0;
  }
  const verb = verbs.find((v) => v.name === first);
  if (!verb) throw new CliError(`unknown command "${first}"; see \`wharf --help\``, 'WHARF_USAGE');
  const { positionals, values } = parseVerbArgs(verb, rest);
  if (values.help) {
    process.stdout.write(verbHelp(verb));
    return 0;
  }
  return verb.run({ positionals, values, stdout: process.stdout, stderr: process.stderr });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`wharf: ${(error as Error).message}\n`);
    process.exitCode = error instanceof CliError && error.code === 'WHARF_USAGE' ? 2 : 1;
  },
);
