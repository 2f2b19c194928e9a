import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { CliError } from '../control-client.js';
import type { Verb } from '../verb.js';

export const scaleVerb: Verb = {
  name: 'scale',
  summary: 'Change an app\'s instance count live; "max" is one per CPU of the machine wharf runs on.',
  args: 'APP N|max',
  minArgs: 2,
  maxArgs: 2,
  options: CONTROL_OPTIONS,
  examples: ['wharf scale books 4', 'wharf scale books max'],
  async run({ positionals, values, stdout }) {
    const [app, count] = positionals as [string, string];
    if (count !== 'max' && !/^\d+$/.test(count)) throw new CliError(`scale: N must be a whole number >= 0 or "max", not "${count}"`, 'WHARF_USAGE');
    const result = await (await controlClientFor(values)).client.post<{ instances?: number }>(`/api/apps/${encodeURIComponent(app)}/scale?instances=${count}`);
    stdout.write(`scale: ${app} now has ${result.instances ?? count} instance(s)\n`);
    return 0;
  },
};
