// Which wharf a control verb talks to, and with what token. Never a guess: when `-c FILE` is
// given or ./wharf.yaml exists, that file must load (its errors stop the verb, FILE:LINE:COL),
// and its control address, TLS and state dir decide. Only with no config at all does the CLI
// try the default address.
import { existsSync } from 'node:fs';
import { ConfigLoader } from '../config/load.js';
import { formatAddress } from '../net/address.js';
import { readControlTokenFile } from '../control/auth/control-token.js';
import type { Snapshot } from '../config/model.js';

export const DEFAULT_CONTROL_URL = 'http://127.0.0.1:9901';

export interface ControlTarget {
  readonly url: string;
  readonly token: string | undefined;
  /** The config the target came from, when one did. */
  readonly configFile?: string;
}

export interface TargetOptions {
  readonly config?: string;
  readonly control?: string;
  readonly token?: string;
}

export async function resolveControlTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Promise<ControlTarget> {
  const file = options.config ?? (existsSync('wharf.yaml') ? 'wharf.yaml' : undefined);
  const snapshot = file ? await new ConfigLoader(env).load(file) : undefined;
  const url = options.control ?? (snapshot ? controlUrlOf(snapshot) : DEFAULT_CONTROL_URL);
  // An explicit flag wins, then the environment, then what the config says or wharf generated.
  const token = options.token ?? (env.WHARF_TOKEN || undefined) ?? (snapshot ? snapshot.control.token || readControlTokenFile(snapshot.stateDir) : undefined);
  return { url, token, ...(snapshot ? { configFile: snapshot.file } : {}) };
}

function controlUrlOf(snapshot: Snapshot): string {
  const { host, port, tls } = snapshot.control;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${tls ? 'https' : 'http'}://${formatAddress({ host: reachable, port })}`;
}
