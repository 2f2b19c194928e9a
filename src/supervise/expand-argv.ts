// No shell runs an app's command, so `--port $PORT` would reach the program literally.
// The per-instance variables wharf sets are expanded here, as a shell would; anything else
// is left as written (the config file's ${VAR} were already replaced at load time).
const INSTANCE_VARIABLES = /\$(?:\{(HOST|PORT|WHARF_INSTANCE|WHARF_APP)\}|(HOST|PORT|WHARF_INSTANCE|WHARF_APP)\b)/g;

export function expandArgv(argv: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return argv.map((arg) => (arg.includes('$') ? arg.replace(INSTANCE_VARIABLES, (match, braced?: string, bare?: string) => values[braced ?? bare ?? ''] ?? match) : arg));
}
