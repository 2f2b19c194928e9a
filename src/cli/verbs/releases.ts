// The release verbs (deploy, rollout, rollback, releases) and `dashboard`, as Verb modules
// over the functions in ../release-verbs.ts.
import { CONTROL_OPTIONS, controlClientFor } from '../control-options.js';
import { deploy, releases, rollback, rollout } from '../release-verbs.js';
import type { Verb } from '../verb.js';

export const deployVerb: Verb = {
  name: 'deploy',
  summary: "Make a new release of APP and roll it out with the app's rollout strategy; --wait follows it to the end (exit 0 promoted, 1 rolled back).",
  args: 'APP',
  minArgs: 1,
  maxArgs: 1,
  options: {
    ...CONTROL_OPTIONS,
    env: { type: 'string', multiple: true, value: 'K=V', description: 'an environment variable of the new release' },
    command: { type: 'string', value: 'CMD', description: 'the new release\'s command' },
    cwd: { type: 'string', value: 'DIR', description: 'the new release\'s working directory' },
    ref: { type: 'string', value: 'GITREF', description: 'build the release from this git ref (the app\'s source)' },
    wait: { type: 'boolean', description: 'follow the rollout until it is promoted or rolled back' },
  },
  examples: ['wharf deploy books --env FEATURE_X=1 --wait', 'wharf deploy books --ref v2.3.0'],
  async run({ positionals, values, stdout }) {
    const { client } = await controlClientFor(values);
    return deploy(client, positionals[0]!, values as Parameters<typeof deploy>[2], stdout as NodeJS.WriteStream);
  },
};

export const rolloutVerb: Verb = {
  name: 'rollout',
  summary: 'Show (and follow) the rollout in progress, or move it: promote, abort, pause, resume.',
  args: 'APP [promote|abort|pause|resume]',
  minArgs: 1,
  maxArgs: 2,
  completions: ['promote', 'abort', 'pause', 'resume'],
  options: CONTROL_OPTIONS,
  examples: ['wharf rollout books', 'wharf rollout books promote'],
  async run({ positionals, values, stdout }) {
    const { client } = await controlClientFor(values);
    return rollout(client, positionals[0]!, positionals[1], stdout as NodeJS.WriteStream);
  },
};

export const rollbackVerb: Verb = {
  name: 'rollback',
  summary: 'Roll the previous (or the Nth) release of APP back in, rolling.',
  args: 'APP',
  minArgs: 1,
  maxArgs: 1,
  options: {
    ...CONTROL_OPTIONS,
    to: { type: 'string', value: 'N', description: 'the release number to go back to' },
    wait: { type: 'boolean', description: 'follow the rollback until it ends' },
  },
  examples: ['wharf rollback books', 'wharf rollback books --to 3 --wait'],
  async run({ positionals, values, stdout }) {
    const { client } = await controlClientFor(values);
    return rollback(client, positionals[0]!, values.to as string | undefined, Boolean(values.wait), stdout as NodeJS.WriteStream);
  },
};

export const releasesVerb: Verb = {
  name: 'releases',
  summary: "APP's releases: number, state, strategy, what changed, when.",
  args: 'APP',
  minArgs: 1,
  maxArgs: 1,
  options: CONTROL_OPTIONS,
  examples: ['wharf releases books'],
  async run({ positionals, values, stdout }) {
    const { client } = await controlClientFor(values);
    return releases(client, positionals[0]!, stdout as NodeJS.WriteStream);
  },
};

export const dashboardVerb: Verb = {
  name: 'dashboard',
  summary: 'Print a one-time login link for the dashboard of the running wharf.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: CONTROL_OPTIONS,
  examples: ['wharf dashboard'],
  async run({ values, stdout }) {
    const { client, url } = await controlClientFor(values);
    const link = await client.post<{ path: string; expires_in_s: number }>('/api/login-link');
    stdout.write(`${new URL(link.path, url).href}\n(one-time login link, valid ${link.expires_in_s} s)\n`);
    return 0;
  },
};
