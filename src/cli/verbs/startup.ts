import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigLoader } from '../../config/load.js';
import { CONFIG_OPTION } from '../control-options.js';
import { systemdUnit } from '../startup/systemd-unit.js';
import type { Verb } from '../verb.js';

export const startupVerb: Verb = {
  name: 'startup',
  summary: 'Print a service definition that runs `wharf up` at boot. `systemd`: a unit with graceful stop (drain), reload by SIGHUP, restart on failure and hardening. The config must load: the unit is fitted to its directories, ports and timeouts.',
  args: 'systemd',
  minArgs: 1,
  maxArgs: 1,
  completions: ['systemd'],
  options: {
    ...CONFIG_OPTION,
    user: { type: 'string', short: 'u', value: 'USER', description: 'user the service runs as (default: the current user)' },
  },
  examples: ['wharf startup systemd -c /srv/app/wharf.yaml -u www-data | sudo tee /etc/systemd/system/wharf.service'],
  async run({ positionals, values, stdout }) {
    if (positionals[0] !== 'systemd') {
      const { CliError } = await import('../control-client.js');
      throw new CliError(`startup: unknown init system "${positionals[0]}" (supported: systemd)`, 'WHARF_USAGE');
    }
    const configFile = resolve((values.config as string | undefined) ?? 'wharf.yaml');
    const snapshot = await new ConfigLoader().load(configFile);
    stdout.write(
      systemdUnit({
        configFile,
        node: process.execPath,
        wharfBin: fileURLToPath(new URL('../../../bin/wharf.js', import.meta.url)),
        user: (values.user as string | undefined) ?? userInfo().username,
        snapshot,
      }),
    );
    return 0;
  },
};
