// PM2 ecosystem file (.js/.cjs/.mjs/.json) -> wharf apps. A JS ecosystem file is the user's
// own code and PM2 evaluates it the same way, so it is loaded as a module here too.
import { createRequire } from 'node:module';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseArgs } from 'shell-quote';
import { ConfigDraft } from './config-draft.js';
import { ImportError, type ImportResult } from './import-result.js';
import { appName, exposeComment, msDuration, sizeText } from './app-draft.js';

type Pm2App = Record<string, unknown>;

/** Interpreters PM2 picks by the script's extension. */
const INTERPRETERS: Record<string, string> = {
  '.js': 'node', '.cjs': 'node', '.mjs': 'node', '.py': 'python3', '.sh': 'bash', '.rb': 'ruby', '.php': 'php', '.pl': 'perl', '.coffee': 'coffee',
};

/** Keys translated below; anything else in an app is reported. */
const HANDLED = new Set([
  'name', 'script', 'args', 'interpreter', 'exec_interpreter', 'interpreter_args', 'node_args', 'cwd', 'instances', 'exec_mode',
  'env', 'max_memory_restart', 'wait_ready', 'listen_timeout', 'kill_timeout', 'kill_signal', 'autorestart', 'min_uptime', 'max_restarts',
]);

const WHY: Record<string, string> = {
  watch: 'wharf does not restart on file changes; use `wharf reload NAME` after deploying',
  ignore_watch: 'wharf does not watch files',
  out_file: 'wharf captures stdout/stderr into its logs dir (see logs:)',
  error_file: 'wharf captures stdout/stderr into its logs dir (see logs:)',
  log_file: 'wharf captures stdout/stderr into its logs dir (see logs:)',
  merge_logs: 'wharf keeps one log per instance',
  log_date_format: 'wharf timestamps log lines itself',
  restart_delay: 'wharf restarts with its own backoff',
  exp_backoff_restart_delay: 'wharf restarts with its own exponential backoff',
  cron_restart: 'wharf has no scheduled restarts',
  increment_var: 'wharf gives every instance its own PORT',
  instance_var: 'wharf has no instance-number variable setting',
  shutdown_with_message: 'wharf stops instances with a signal (stop_signal)',
  treekill: 'wharf always stops the whole process group',
  namespace: 'wharf has no app namespaces',
};

/** PM2's defaults where they differ from wharf's: kept so the imported app stops as it did. */
const PM2_KILL_TIMEOUT_MS = 1600;
const PM2_KILL_SIGNAL = 'SIGINT';
/** PM2 waits this long for `process.send('ready')` (wait_ready) before calling the app online anyway. */
const PM2_LISTEN_TIMEOUT_MS = 3000;

/** `envName`: merge env_NAME over env, as `pm2 start --env NAME`; without it only env is used, as `pm2 start`. */
export async function importPm2(path: string, text: string, envName?: string): Promise<ImportResult> {
  const file = basename(path);
  const ecosystem = await loadEcosystem(path, text);
  const draft = new ConfigDraft();
  const apps = draft.section('apps');
  const appsList = ecosystem.apps;
  if (!Array.isArray(appsList)) throw new ImportError('WHARF_IMPORT_SYNTAX', `${path}: expected an "apps" list`);
  for (const key of Object.keys(ecosystem)) {
    if (key !== 'apps') draft.untranslatedSetting(file, `${key}: …`, key === 'deploy' ? 'wharf does not deploy code' : undefined);
  }
  appsList.forEach((raw, index) => {
    if (!raw || typeof raw !== 'object') {
      draft.untranslatedSetting(`${file} apps[${index}]`, JSON.stringify(raw), 'not an app object');
      return;
    }
    translateApp(raw as Pm2App, index, file, draft, apps, envName);
  });
  return draft.render([
    `wharf config imported from ${file} (PM2 ecosystem) by \`wharf import\`.`,
    `${draft.untranslated.length} PM2 setting(s) had no wharf equivalent: see the "untranslated:" comments.`,
    'Check it with `wharf check -c FILE` before use.',
  ]);
}

async function loadEcosystem(path: string, text: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  try {
    if (extname(path) === '.json') return JSON.parse(text) as Record<string, unknown>;
    if (extname(path) !== '.mjs') {
      try {
        const require = createRequire(absolute);
        delete require.cache[absolute];
        return unwrap(require(absolute));
      } catch (error) {
        // A .js file in an ESM package cannot be required; import it like PM2 does then.
        if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
      }
    }
    return unwrap(await import(`${pathToFileURL(absolute).href}?wharf-import=${Date.now()}`));
  } catch (error) {
    throw new ImportError('WHARF_IMPORT_SYNTAX', `${path}: cannot load the ecosystem file: ${(error as Error).message}`);
  }
}

function unwrap(loaded: unknown): Record<string, unknown> {
  const value = (loaded as { default?: unknown })?.default ?? loaded;
  if (!value || typeof value !== 'object') throw new Error('it exports no object');
  return value as Record<string, unknown>;
}

function translateApp(raw: Pm2App, index: number, file: string, draft: ConfigDraft, apps: Record<string, unknown>, envName: string | undefined): void {
  const script = typeof raw.script === 'string' ? raw.script : undefined;
  const wanted = typeof raw.name === 'string' ? raw.name : script ? basename(script, extname(script)) : `app${index}`;
  const name = appName(wanted, new Set(Object.keys(apps)));
  const where = `${file} app ${name}`;
  const untranslated = (key: string, why?: string) => draft.untranslatedSetting(where, `${key}: ${shown(raw[key])}`, why, ['apps', name]);
  if (!script) {
    draft.untranslatedSetting(`${file} apps[${index}]`, shown(raw), 'an app needs a script');
    return;
  }
  const app: Record<string, unknown> = { command: commandOf(raw, script) };
  apps[name] = app;
  if (name !== wanted) draft.comment(['apps', name], `PM2 name "${wanted}" made into a wharf name`);
  if (typeof raw.cwd === 'string') app.cwd = raw.cwd;
  const { env, port } = envOf(raw, name, draft, envName);
  if (Object.keys(env).length) app.env = env;
  const instances = instancesOf(raw.instances);
  if (instances !== undefined) app.instances = instances;
  else if (raw.instances !== undefined) untranslated('instances', 'expected a number or "max"');
  if (raw.instances === -1) draft.comment(['apps', name, 'instances'], 'PM2 -1 means one per CPU but one; wharf runs "max" (one per CPU)');
  const cluster = raw.exec_mode === 'cluster' || raw.exec_mode === 'cluster_mode';
  if (cluster) {
    app.port = 'auto';
    draft.comment(['apps', name, 'port'], `PM2 cluster mode shared one port${port === undefined ? '' : ` (PORT=${port})`}; in wharf each instance gets its own $PORT and wharf balances between them`);
  } else if (port !== undefined && (instances === undefined || instances === 1)) {
    // One fork-mode process on the port PM2 gave it: it keeps that port (others may rely on it).
    app.instances = 1;
    app.port = port;
    draft.comment(['apps', name, 'port'], `PM2 fork mode, one process with PORT=${port}: kept on that port (wharf still sets $PORT)`);
  } else {
    app.port = 'auto';
    if (port !== undefined) draft.comment(['apps', name, 'port'], `PM2 set PORT=${port}; wharf sets PORT for each instance (port: auto)`);
  }
  if (typeof raw.wait_ready === 'boolean') app.wait_ready = raw.wait_ready;
  durationSetting(raw, 'min_uptime', 'min_uptime', app, untranslated);
  if (raw.wait_ready === true) {
    // PM2 calls an app online at listen_timeout even without 'ready'; wharf would restart it.
    if (raw.listen_timeout === undefined) app.start_timeout = msDuration(PM2_LISTEN_TIMEOUT_MS);
    else durationSetting(raw, 'listen_timeout', 'start_timeout', app, untranslated);
    app.on_start_timeout = 'ready';
    draft.comment(['apps', name, 'on_start_timeout'], "PM2's wait_ready: an instance that has not sent 'ready' by listen_timeout is online anyway");
  } else if (raw.listen_timeout !== undefined) {
    durationSetting(raw, 'listen_timeout', 'start_timeout', app, untranslated);
  }
  const killSignal = typeof raw.kill_signal === 'string' && /^SIG[A-Z0-9]+$/.test(raw.kill_signal) ? raw.kill_signal : PM2_KILL_SIGNAL;
  app.stop_signal = killSignal;
  if (raw.kill_signal === undefined) draft.comment(['apps', name, 'stop_signal'], "PM2 stops apps with SIGINT (its kill_signal default), wharf's default is SIGTERM");
  if (raw.kill_timeout === undefined) app.stop_timeout = msDuration(PM2_KILL_TIMEOUT_MS);
  else durationSetting(raw, 'kill_timeout', 'stop_timeout', app, untranslated);
  if (raw.autorestart === false) app.restart = 'never';
  if (raw.max_restarts !== undefined) {
    if (Number.isInteger(raw.max_restarts) && (raw.max_restarts as number) >= 0) app.max_restarts = raw.max_restarts;
    else untranslated('max_restarts', 'not a number');
  }
  if (raw.max_memory_restart !== undefined) {
    const size = sizeText(raw.max_memory_restart);
    if (size !== undefined) app.max_memory = size;
    else untranslated('max_memory_restart', 'not a size');
  }
  for (const key of Object.keys(raw)) {
    if (!HANDLED.has(key) && !key.startsWith('env_')) untranslated(key, WHY[key]);
  }
  exposeComment(draft, name);
}

/** argv: [interpreter, ...interpreter args, script, ...args], as PM2 starts the app. */
function commandOf(raw: Pm2App, script: string): string[] {
  const interpreter = stringOf(raw.interpreter) ?? stringOf(raw.exec_interpreter) ?? defaultInterpreter(script);
  const args = words(raw.args);
  if (interpreter === 'none') return [script, ...args];
  const interpreterArgs = words(raw.interpreter_args ?? raw.node_args);
  return [interpreter, ...interpreterArgs, script, ...args];
}

/** PM2 runs scripts by extension; a bare command name found on PATH (npm, gunicorn) runs as is. */
function defaultInterpreter(script: string): string {
  const byExtension = INTERPRETERS[extname(script)];
  if (byExtension) return byExtension;
  return script.includes('/') || extname(script) !== '' ? 'node' : 'none';
}

function words(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return parseArgs(value, (name) => `$${name}`).map((t) => (typeof t === 'string' ? t : String((t as { op?: string; pattern?: string }).pattern ?? (t as { op?: string }).op)));
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `env`, with `env_NAME` merged over it when `--env NAME` was given (what `pm2 start --env NAME`
 * runs). PORT is taken out: wharf sets it per instance. Values of other environments are
 * never written out, not even as comments: they hold secrets as often as not.
 */
function envOf(
  raw: Pm2App,
  name: string,
  draft: ConfigDraft,
  envName: string | undefined,
): { env: Record<string, string | number | boolean>; port?: number } {
  const base = isRecord(raw.env) ? raw.env : {};
  const chosen = envName === undefined ? undefined : raw[`env_${envName}`];
  if (envName !== undefined && !isRecord(chosen)) draft.comment(['apps', name], `no env_${envName} in this app: only env is used`);
  const merged: Record<string, unknown> = { ...base, ...(isRecord(chosen) ? chosen : {}) };
  if (isRecord(chosen)) draft.comment(['apps', name, 'env'], `env with env_${envName} merged over it (as \`pm2 start --env ${envName}\`)`);
  const others = Object.keys(raw).filter((key) => key.startsWith('env_') && key !== `env_${envName}`);
  if (others.length) {
    draft.comment(['apps', name], `${others.join(', ')} not merged: choose one with \`wharf import --env NAME\` (as \`pm2 start --env NAME\`)`);
  }
  const env: Record<string, string | number | boolean> = {};
  let port: number | undefined;
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'PORT') {
      const number = Number(value);
      if (Number.isInteger(number) && number > 0 && number < 65536) port = number;
      continue;
    }
    env[key] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value);
  }
  return { env, port };
}

function durationSetting(raw: Pm2App, from: string, to: string, app: Record<string, unknown>, untranslated: (key: string, why?: string) => void): void {
  if (raw[from] === undefined) return;
  const duration = durationOf(raw[from]);
  if (duration) app[to] = duration;
  else untranslated(from, 'not a duration');
}

function instancesOf(value: unknown): number | 'max' | undefined {
  if (value === undefined) return undefined;
  if (value === 'max' || value === -1 || value === 0 || value === '0' || value === '-1') return 'max';
  const count = typeof value === 'string' ? Number(value) : value;
  return typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : undefined;
}

/** PM2 takes milliseconds as numbers, or strings with a unit ("10s"). */
function durationOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return msDuration(Math.round(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return msDuration(Number(value));
  if (typeof value === 'string' && /^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(value)) return value;
  return undefined;
}

/** Names whose values are secrets as often as not: never copied into a comment. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH/i;

/** A setting's value for a note: JSON, shortened; functions by name only; secret-looking values and env maps hidden. */
function shown(value: unknown): string {
  if (typeof value === 'function') return '[function]';
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (key !== '' && (SECRET_NAME.test(key) || /^env(_|$)/.test(key))) return '[hidden]';
    return typeof v === 'function' ? '[function]' : v;
  }) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
