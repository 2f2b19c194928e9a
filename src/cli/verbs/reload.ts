import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import type { Verb } from '../verb.js';

export const reloadVerb: Verb = {
  name: 'reload',
  summary: 'Reload the running config from its file; with APP, replace that app\'s instances one by one with zero downtime.',
  args: '[APP]',
  minArgs: 0,
  maxArgs: 1,
  options: CONTROL_OPTIONS,
  examples: ['wharf reload', 'wharf reload books'],
  async run({ positionals, values, stdout }) {
    const { client } = await controlClientFor(values);
    const app = positionals[0];
    if (app) {
      await client.post(`/api/apps/${encodeURIComponent(app)}/reload`);
      stdout.write(`reload: ${app} replaced with zero downtime\n`);
    } else {
      const result = await client.post<{ hash: string }>('/api/reload');
      stdout.write(`reload: config ${result.hash} applied\n`);
    }
    return 0;
  },
};
