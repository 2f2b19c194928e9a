// `wharf` command line: `up`, `check` and `import` work on files; every other verb talks to
// a running wharf through its control API.
import { parseArgs } from 'node:util';
import { ConfigLoader } from '../config/load.js';
import { ConfigError } from '../config/diagnostics.js';
import { CliError, ControlClient } from './control-client.js';
import { resolveControlTarget } from './control-target.js';
import { deploy, releases, rollback, rollout } from './release-verbs.js';
import { formatStatus, table } from './status-table.js';
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
  dashboard                    print a one-time login link for the dashboard
  deploy APP [--env K=V]... [--command CMD] [--cwd DIR] [--ref GITREF] [--wait]
                               make release N+1 and roll it out (exit 0 promoted, 1 rolled back)
  rollout APP [promote|abort|pause|resume]
                               follow the rollout in progress, or move it
  rollback APP [--to N] [--wait]
                               roll the previous (or Nth) release back in
  releases APP                 the app's releases
  nodes                        the cluster's nodes, their state and instances (one machine: this one)
  apply -c FILE                cluster mode: share FILE as the cluster's config

options: -c/--config FILE (default ./wharf.yaml when it exists; it must load), --control URL
(default: the config's control address, else http://127.0.0.1:9901), --token TOKEN (default:
WHARF_TOKEN, else the config's control.token, else state_dir/control.token), -v/--verbose
(say which wharf was reached).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      control: { type: 'string' },
      token: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      env: { type: 'string', multiple: true },
      command: { type: 'string' },
      cwd: { type: 'string' },
      ref: { type: 'string' },
      wait: { type: 'boolean' },
      to: { type: 'string' },
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
    case 'apply':
      // Validated first, so a bad file gets its FILE:LINE:COL errors whatever else is missing.
      await new ConfigLoader().load(configFile);
      throw new CliError('wharf apply shares a config through etcd in cluster mode, which this version does not have yet; on one machine, edit the file and run `wharf reload`', 'WHARF_CLUSTER_UNAVAILABLE');
  }
  const target = await resolveControlTarget(values);
  const client = new ControlClient(target.url, target.token, values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined);
  const app = rest[0];
  const needApp = () => {
    if (!app) throw new CliError(`wharf ${command} needs an app name`, 'WHARF_USAGE');
    return encodeURIComponent(app);
  };
  switch (command) {
    case 'status': {
      const status = await client.get<WharfStatus>('/api/status');
      process.stdout.write(`wharf at ${target.url} · config ${status.config.file} (${status.config.hash})\n${formatStatus(status)}`);
      return 0;
    }
    case 'dashboard': {
      const link = await client.post<{ path: string; expires_in_s: number }>('/api/login-link');
      process.stdout.write(`${new URL(link.path, target.url).href}\n(one-time login link, valid ${link.expires_in_s} s)\n`);
      return 0;
    }
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
    case 'nodes': {
      const { nodes } = await client.get<{ nodes: { name: string; address: string; state: string; apps: Record<string, number> }[] }>('/api/nodes');
      const rows = nodes.map((n) => [n.name, n.state, n.address, Object.entries(n.apps).map(([app, count]) => `${app}=${count}`).join(' ') || '-']);
      process.stdout.write(`${table(['NODE', 'STATE', 'ADDRESS', 'READY INSTANCES'], rows)}\n`);
      return 0;
    }
    case 'deploy':
      needApp();
      return deploy(client, app!, values, process.stdout);
    case 'rollback':
      needApp();
      return rollback(client, app!, values.to, values.wait ?? false, process.stdout);
    case 'releases':
      needApp();
      return releases(client, app!, process.stdout);
    case 'rollout':
      needApp();
      return rollout(client, app!, rest[1], process.stdout);
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`, 'WHARF_USAGE');
  }
}

async function check(file: string): Promise<number> {
  const snapshot = await new ConfigLoader().load(file);
  for (const warning of snapshot.warnings) process.stderr.write(`${warning}\n`);
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
