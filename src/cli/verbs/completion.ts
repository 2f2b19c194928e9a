import { CliError } from '../control-client.js';
import { bashCompletion, zshCompletion } from '../completion.js';
import type { Verb } from '../verb.js';

/** Built with the verb table it completes (passed in, so the table can include this verb). */
export function completionVerb(verbs: () => readonly Verb[]): Verb {
  return {
    name: 'completion',
    summary: 'Print a shell completion script for wharf\'s verbs, options and (from the running wharf) app names.',
    args: 'bash|zsh',
    minArgs: 1,
    maxArgs: 1,
    completions: ['bash', 'zsh'],
    options: {},
    examples: ['source <(wharf completion bash)    # in ~/.bashrc', 'source <(wharf completion zsh)     # in ~/.zshrc'],
    async run({ positionals, stdout }) {
      const shell = positionals[0];
      if (shell === 'bash') stdout.write(bashCompletion(verbs()));
      else if (shell === 'zsh') stdout.write(zshCompletion(verbs()));
      else throw new CliError(`completion: unknown shell "${shell}" (supported: bash, zsh)`, 'WHARF_USAGE');
      return 0;
    },
  };
}
