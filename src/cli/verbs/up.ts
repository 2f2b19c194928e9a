import { CONFIG_OPTION } from '../control-options.js';
import type { Verb } from '../verb.js';

export const upVerb: Verb = {
  name: 'up',
  summary: 'Run the edge, the supervisor and the control API in the foreground. SIGINT/SIGTERM drain and stop, SIGHUP reloads the config, SIGUSR1 reopens log files.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: CONFIG_OPTION,
  examples: ['wharf up -c /etc/wharf/wharf.yaml'],
  async run({ values }) {
    // Loaded only for `up`, so `check`, `status` and friends start fast.
    const { runUp } = await import('../up.js');
    return runUp((values.config as string | undefined) ?? 'wharf.yaml');
  },
};
