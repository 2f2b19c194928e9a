// The options every control verb shares (which wharf, which token, say which one answered),
// and the client they make, so a new way to reach wharf is added in one place.
import { ControlClient } from './control-client.js';
import { resolveControlTarget } from './control-target.js';
import type { OptionSpecs, VerbInput } from './verb.js';

export const CONFIG_OPTION: OptionSpecs = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'config file (default ./wharf.yaml)' },
};

export const CONTROL_OPTIONS: OptionSpecs = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'config of the running wharf (default ./wharf.yaml when it exists; it must load)' },
  control: { type: 'string', value: 'URL', description: 'control API to talk to (default: the config\'s control address, else http://127.0.0.1:9901)' },
  token: { type: 'string', value: 'TOKEN', description: 'control token (default: WHARF_TOKEN, else control.token, else state_dir/control.token)' },
  verbose: { type: 'boolean', short: 'v', description: 'say which wharf answered (URL, config file and hash)' },
};

export interface ReachedWharf {
  readonly client: ControlClient;
  readonly url: string;
}

export async function controlClientFor(values: VerbInput['values'], stderr: NodeJS.WritableStream = process.stderr): Promise<ReachedWharf> {
  const target = await resolveControlTarget({
    config: values.config as string | undefined,
    control: values.control as string | undefined,
    token: values.token as string | undefined,
  });
  const announce = values.verbose ? (line: string) => void stderr.write(`${line}\n`) : undefined;
  return { client: new ControlClient(target.url, target.token, announce), url: target.url };
}
