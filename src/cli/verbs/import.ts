import type { Verb } from '../verb.js';

export const importVerb: Verb = {
  name: 'import',
  summary: 'Translate an nginx.conf, a PM2 ecosystem file (.js/.cjs/.mjs/.json) or a supervisord.conf into wharf YAML on stdout; what has no wharf equivalent is listed on stderr and as comments.',
  args: 'FILE',
  minArgs: 1,
  maxArgs: 1,
  options: {
    env: { type: 'string', value: 'NAME', description: 'PM2: merge env_NAME over env, as `pm2 start --env NAME` does' },
  },
  examples: ['wharf import /etc/nginx/nginx.conf > wharf.yaml', 'wharf import --env production ecosystem.config.js > wharf.yaml'],
  async run({ positionals, values, stdout, stderr }) {
    const { importFile } = await import('../../importers/import-file.js');
    const result = await importFile(positionals[0]!, { env: values.env as string | undefined });
    stdout.write(result.yaml);
    if (result.untranslated.length) stderr.write(`wharf import: ${result.untranslated.length} item(s) could not be translated; see the comments in the output\n`);
    return 0;
  },
};
