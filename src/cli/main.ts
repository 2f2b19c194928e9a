// `wharf` command line: `up`, `check` and `import` work on files; every other verb talks to
// a running wharf through its control API.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { ConfigLoader } from '../config/load.js';
import { ConfigError } from '../config/diagnostics.js';
import { formatAddress } from '../net/address.js';
import { CliError, ControlClient } from './control-client.js';
import { formatStatus } from './status-table.js';
import type { WharfStatus } from '../control/status.js';

const USAGE = `usage: wharf <command> [options]

  up [-c FILE]                 run edge, supervisor and control API (default FILE ./wharf.yaml)
  check [-c FILE]              validate a config
  status                       apps, instances and upstream servers
  start|stop|restart APP       act on one app's instances
  reload [APP]                 reload the config; with APP, rolling restart of that app
  scale APP N                  change an app's instance count
  logs APP [-f] [-n LINES]     an app's captured output
  import FILE                  translate nginx.conf, PM2 ecosystem or supervisord.conf to wharf YAML

options: -c/--config FILE, --control URL (default from the config, else http://127.0.0.1:9901);
the token comes from WHARF_TOKEN.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      control: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const configFile = values.config ?? 'wharf.yaml';
  switch (command) {
    case 'up':
      // Loaded only for `up`, so `check`, `status` and friends start fast.
      return (await import('./up.js')).runUp(configFile);
    case 'check':
      return check(configFile);
    case 'import':
      return importConfig(rest[0]);
  }
  const client = new ControlClient(await controlUrl(values.control, values.config), process.env.WHARF_TOKEN);
  const app = rest[0];
  const needApp = () => {
    if (!app) throw new CliError(`wharf ${command} needs an app name`, 'WHARF_USAGE');
    return encodeURIComponent(app);
  };
  switch (command) {
    case 'status':
      process.stdout.write(formatStatus(await client.get<WharfStatus>('/api/status')));
      return 0;
    case 'start':
    case 'stop':
    case 'restart':
      await client.post(`/api/apps/${needApp()}/${command}`);
      process.stdout.write(`${command}: ${app} done\n`);
      return 0;
    case 'reload': {
      if (app) {
        await client.post(`/api/apps/${needApp()}/reload`);
        process.stdout.write(`reload: ${app} replaced with zero downtime\n`);
      } else {
        const result = await client.post<{ hash: string }>('/api/reload');
        process.stdout.write(`reload: config ${result.hash} applied\n`);
      }
      return 0;
    }
    case 'scale': {
      const n = Number(rest[1]);
      if (!Number.isInteger(n) || n < 0) throw new CliError('usage: wharf scale APP N', 'WHARF_USAGE');
      await client.post(`/api/apps/${needApp()}/scale?instances=${n}`);
      process.stdout.write(`scale: ${app} now has ${n} instance(s)\n`);
      return 0;
    }
    case 'logs': {
      const lines = values.lines ?? '50';
      const body = await client.stream(`/api/apps/${needApp()}/logs?lines=${encodeURIComponent(lines)}${values.follow ? '&follow=1' : ''}`);
      for await (const chunk of body) process.stdout.write(chunk);
      return 0;
    }
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`, 'WHARF_USAGE');
  }
}

async function check(file: string): Promise<number> {
  const snapshot = await new ConfigLoader().load(file);
  process.stdout.write(
    `${file}: ok (${snapshot.listen.length} listener(s), ${snapshot.upstreams.size} upstream(s), ${snapshot.apps.size} app(s), ${snapshot.routes.length} route(s), config ${snapshot.hash})\n`,
  );
  return 0;
}

async function importConfig(file: string | undefined): Promise<number> {
  if (!file) throw new CliError('usage: wharf import FILE', 'WHARF_USAGE');
  const { importFile } = await import('../importers/import-file.js');
  const result = await importFile(file);
  process.stdout.write(result.yaml);
  if (result.untranslated.length) process.stderr.write(`wharf import: ${result.untranslated.length} item(s) could not be translated; see the comments in the output\n`);
  return 0;
}

async function controlUrl(flag: string | undefined, configFile: string | undefined): Promise<string> {
  if (flag) return flag;
  const file = configFile ?? (existsSync('wharf.yaml') ? 'wharf.yaml' : undefined);
  if (file) {
    try {
      const snapshot = await new ConfigLoader().load(file);
      const host = snapshot.control.host === '0.0.0.0' ? '127.0.0.1' : snapshot.control.host === '::' ? '::1' : snapshot.control.host;
      return `http://${formatAddress({ host, port: snapshot.control.port })}`;
    } catch {
      // An unreadable config should not stop `wharf status` from trying the default address.
    }
  }
  return 'http://127.0.0.1:9901';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`wharf: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
