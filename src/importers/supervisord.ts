// supervisord.conf -> wharf apps, one per [program:NAME].
import { basename } from 'node:path';
import { ConfigDraft } from './config-draft.js';
import type { ImportResult } from './import-result.js';
import { parseIni, type IniEntry, type IniSection } from './ini.js';
import { appName, exposeComment, sizeText } from './app-draft.js';
import { translateProcessNum } from './supervisord-process-num.js';

const RESTART: Record<string, string> = { true: 'always', false: 'never', unexpected: 'on-failure' };

const WHY: Record<string, string> = {
  user: 'wharf runs apps as the user that runs wharf',
  priority: 'wharf starts apps together',
  redirect_stderr: 'wharf captures stdout and stderr itself',
  stdout_logfile: 'wharf captures output into its logs dir (logs.dir)',
  stderr_logfile: 'wharf captures output into its logs dir (logs.dir)',
  stderr_logfile_maxbytes: 'wharf rotates one log per instance (logs.max_size)',
  stderr_logfile_backups: 'wharf rotates one log per instance (logs.keep)',
  umask: 'wharf does not change the umask',
  process_name: 'wharf names and numbers instances itself',
  serverurl: 'apps talk to wharf through its control API',
};

const SECTION_WHY: Record<string, string> = {
  supervisord: 'wharf is configured by its own file',
  unix_http_server: 'use the control API (control.address)',
  inet_http_server: 'use the control API (control.address)',
  supervisorctl: 'use the wharf CLI (wharf status, start, stop, logs)',
  include: 'included files are not followed; import them one by one',
  group: 'wharf has no app groups',
  eventlistener: 'wharf has no event listeners; the control API has an event stream',
  'fcgi-program': 'wharf runs HTTP apps, not FastCGI',
  'rpcinterface': 'wharf has no RPC plugins',
};

export function importSupervisord(path: string, text: string): ImportResult {
  const file = basename(path);
  const draft = new ConfigDraft();
  const apps = draft.section('apps');
  const { sections, stray } = parseIni(text);
  for (const entry of stray) draft.untranslatedSetting(`${file}:${entry.line}`, `${entry.key}=${entry.value}`, 'outside any section');
  for (const section of sections) {
    const [kind = '', name] = splitSection(section.name);
    if (kind === 'program' && name) translateProgram(section, name, file, draft, apps);
    else {
      const count = section.entries.length;
      draft.untranslatedSetting(`${file}:${section.line}`, `[${section.name}] (${count} setting${count === 1 ? '' : 's'})`, SECTION_WHY[kind]);
    }
  }
  return draft.render([
    `wharf config imported from ${file} (supervisord) by \`wharf import\`.`,
    `${draft.untranslated.length} supervisord setting(s) had no wharf equivalent: see the "untranslated:" comments.`,
    'Check it with `wharf check -c FILE` before use.',
  ]);
}

function splitSection(name: string): [string, string?] {
  const colon = name.indexOf(':');
  return colon < 0 ? [name] : [name.slice(0, colon), name.slice(colon + 1)];
}

function translateProgram(section: IniSection, program: string, file: string, draft: ConfigDraft, apps: Record<string, unknown>): void {
  const name = appName(program, new Set(Object.keys(apps)));
  const at = ['apps', name];
  const note = (entry: IniEntry, why?: string) => draft.untranslatedSetting(`${file}:${entry.line}`, `${entry.key}=${entry.value}`, why, at);
  const values = new Map(section.entries.map((e) => [e.key, e]));
  const command = values.get('command');
  if (!command?.value) {
    draft.untranslatedSetting(`${file}:${section.line}`, `[${section.name}]`, 'a program needs a command');
    return;
  }
  const numprocs = Number(values.get('numprocs')?.value ?? 1);
  const numbering = { start: Number(values.get('numprocs_start')?.value ?? 0) || 0, count: Number.isInteger(numprocs) && numprocs > 0 ? numprocs : 1 };
  const app: Record<string, unknown> = { command: '' };
  const expand = (entry: IniEntry, value = entry.value) => expandVariables({ ...entry, value }, program, (why) => note(entry, why));
  const perProcess = (entry: IniEntry, value: string, asCommand: boolean) => {
    const result = translateProcessNum(value, numbering, asCommand);
    if (result.problem) note(entry, result.problem);
    if (result.port !== undefined) {
      app.port = result.port;
      draft.comment([...at, 'port'], `${file}:${entry.line}: a port per process (${result.port}${numbering.count > 1 ? `..${result.port + numbering.count - 1}` : ''}): instance i listens on ${result.port}+i, given to it as $PORT`);
    }
    return result;
  };
  app.command = perProcess(command, expand(command), true).text;
  apps[name] = app;
  if (name !== program) draft.comment(at, `supervisord program "${program}" made into a wharf name`);
  for (const entry of section.entries) {
    switch (entry.key) {
      case 'command':
        break;
      case 'directory':
        app.cwd = expand(entry);
        break;
      case 'environment': {
        const env = parseEnvironment(entry.value);
        if (!env) note(entry, 'expected KEY="value",KEY2=value2');
        else {
          const translated: Record<string, string> = {};
          for (const [key, raw] of Object.entries(env)) {
            const value = expand(entry, raw);
            if (!value.includes('%(process_num)')) {
              if (key !== 'PORT') translated[key] = value;
              else if (/^\d+$/.test(value) && numbering.count === 1 && app.port === undefined) {
                app.port = Number(value);
                draft.comment([...at, 'port'], `${file}:${entry.line}: supervisord set PORT=${value}: kept (wharf sets $PORT)`);
              } else draft.comment(at, `supervisord set PORT=${value}; wharf sets PORT for each instance`);
              continue;
            }
            const result = perProcess(entry, value, false);
            // wharf sets PORT itself; other per-process values cannot be written in env.
            if (key === 'PORT' && result.port !== undefined) continue;
            if (!result.problem) note(entry, `${key}=${raw}: env values are the same for every instance; let the app read $PORT or $WHARF_INSTANCE`);
          }
          if (Object.keys(translated).length) app.env = translated;
        }
        break;
      }
      case 'numprocs_start':
        // Used with %(process_num) above; wharf numbers instances from 0.
        if (!/^\d+$/.test(entry.value)) note(entry, 'not a number');
        break;
      case 'numprocs':
        if (Number.isInteger(numprocs) && numprocs >= 1) app.instances = numprocs;
        else note(entry, 'not a number of processes');
        break;
      case 'autostart':
        if (!/^(true|yes|on|1|false|no|off|0)$/i.test(entry.value)) note(entry, 'expected true or false');
        break;
      case 'autorestart':
        if (RESTART[entry.value.toLowerCase()]) app.restart = RESTART[entry.value.toLowerCase()];
        else note(entry, 'expected true, false or unexpected');
        break;
      case 'startsecs':
      case 'stopwaitsecs':
        if (/^\d+$/.test(entry.value)) app[entry.key === 'startsecs' ? 'min_uptime' : 'stop_timeout'] = `${entry.value}s`;
        else note(entry, 'not a number of seconds');
        break;
      case 'startretries':
        if (/^\d+$/.test(entry.value)) app.max_restarts = Number(entry.value);
        else note(entry, 'not a number');
        break;
      case 'stopsignal':
        if (/^[A-Z0-9]+$/i.test(entry.value)) app.stop_signal = `SIG${entry.value.toUpperCase().replace(/^SIG/, '')}`;
        else note(entry, 'not a signal name');
        break;
      case 'stdout_logfile_maxbytes':
      case 'stdout_logfile_backups':
        logSetting(entry, app, note);
        break;
      case 'stopasgroup':
      case 'killasgroup':
        if (/^true$/i.test(entry.value)) draft.comment(at, `${file}:${entry.line}: ${entry.key}=true — wharf always signals the whole process group`);
        else note(entry, 'wharf always signals the whole process group');
        break;
      case 'exitcodes':
        if (entry.value.trim() !== '0') note(entry, 'wharf treats exit code 0 as expected and any other as a failure');
        break;
      default:
        note(entry, WHY[entry.key]);
    }
  }
  const autostart = values.get('autostart');
  if (autostart && /^(false|no|off|0)$/i.test(autostart.value)) {
    // Not started by supervisord: kept configured at zero instances, ready to scale up.
    app.instances = 0;
    draft.comment([...at, 'instances'], `${file}:${autostart.line}: autostart=false: start it with \`wharf scale ${name} ${Number.isInteger(numprocs) && numprocs > 0 ? numprocs : 1}\``);
  }
  if (!values.has('autorestart')) {
    app.restart = 'on-failure';
    draft.comment([...at, 'restart'], "supervisord's default autorestart=unexpected");
  }
  exposeComment(draft, name);
}

function logSetting(entry: IniEntry, app: Record<string, unknown>, note: (entry: IniEntry, why?: string) => void): void {
  const logs = (app.logs ?? {}) as Record<string, unknown>;
  if (entry.key === 'stdout_logfile_backups' && /^\d+$/.test(entry.value)) logs.keep = Number(entry.value);
  else if (entry.key === 'stdout_logfile_maxbytes' && sizeText(entry.value) !== undefined && sizeText(entry.value) !== 0) logs.max_size = sizeText(entry.value);
  else return note(entry, entry.value === '0' ? 'wharf always rotates logs' : 'not a size or count');
  app.logs = logs;
}

/**
 * supervisord's %(name)s expansions: program_name and here are known now, ENV_X becomes
 * wharf's ${X}; per-process ones (process_num, group_name, host_node_name) are reported.
 */
function expandVariables(entry: IniEntry, program: string, report: (why: string) => void): string {
  return entry.value.replace(/%%|%\(([A-Za-z0-9_]+)\)[-#0 +]*\d*[sd]/g, (whole, variable: string | undefined) => {
    // Python's %-formatting: %% is a literal percent sign.
    if (variable === undefined) return '%';
    // Left for translateProcessNum, which knows numprocs and numprocs_start.
    if (variable === 'process_num') return whole;
    if (variable === 'program_name') return program;
    if (variable === 'here') return '.';
    if (variable.startsWith('ENV_')) return `\${${variable.slice(4)}}`;
    report(`${whole} has no wharf equivalent (wharf gives each instance its own PORT instead)`);
    return whole;
  });
}

/** environment=KEY="val",KEY2=val2 (values may be quoted and then hold commas). */
export function parseEnvironment(text: string): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("((?:[^"\\]|\\.)*)"|'([^']*)'|([^,]*?))\s*(,|$)/y;
  let offset = 0;
  const source = text.replace(/\n/g, ' ').trim();
  while (offset < source.length) {
    pattern.lastIndex = offset;
    const match = pattern.exec(source);
    if (!match || match[0] === '') return undefined;
    env[match[1]!] = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : (match[4] ?? match[5] ?? '');
    offset = pattern.lastIndex;
  }
  return env;
}
