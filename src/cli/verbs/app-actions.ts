import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import type { Verb } from '../verb.js';

function appAction(name: 'start' | 'stop' | 'restart', summary: string): Verb {
  return {
    name,
    summary,
    args: 'APP',
    minArgs: 1,
    maxArgs: 1,
    options: CONTROL_OPTIONS,
    examples: [`wharf ${name} books`],
    async run({ positionals, values, stdout }) {
      const app = positionals[0]!;
      await (await controlClientFor(values)).client.post(`/api/apps/${encodeURIComponent(app)}/${name}`);
      stdout.write(`${name}: ${app} done\n`);
      return 0;
    },
  };
}

export const startVerb = appAction('start', "Start an app's instances (clears a crash-loop stop).");
export const stopVerb = appAction('stop', "Stop an app's instances gracefully: out of the pool, drained, then stop_signal.");
export const restartVerb = appAction('restart', "Stop every instance of an app, then start them again (use `wharf reload APP` for zero downtime).");
