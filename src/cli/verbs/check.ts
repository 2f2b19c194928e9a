import { ConfigLoader } from '../../config/load.js';
import { CONFIG_OPTION } from '../control-options.js';
import type { Verb } from '../verb.js';

export const checkVerb: Verb = {
  name: 'check',
  summary: 'Validate a config: exit 0 with a one-line summary, or exit 1 with FILE:LINE:COL: message for every problem.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: CONFIG_OPTION,
  examples: ['wharf check -c wharf.yaml'],
  async run({ values, stdout, stderr }) {
    const file = (values.config as string | undefined) ?? 'wharf.yaml';
    const snapshot = await new ConfigLoader().load(file);
    for (const warning of snapshot.warnings) stderr.write(`${warning}\n`);
    stdout.write(
      `${file}: ok (${snapshot.listen.length} listener(s), ${snapshot.upstreams.size} upstream(s), ${snapshot.apps.size} app(s), ${snapshot.routes.length} route(s), config ${snapshot.hash})\n`,
    );
    return 0;
  },
};
