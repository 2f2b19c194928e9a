// nginx directives that become wharf's edge-wide keys: the access log, trusted proxies and
// the timeouts that wharf has once for the whole edge.
import type { NginxContext } from './context.js';
import type { NginxDirective } from './parse.js';
import { nginxTime } from './values.js';
import { parseCidr } from '../../net/cidr.js';

const HTTP_TIMEOUTS: Record<string, string> = {
  keepalive_timeout: 'keepalive',
  client_header_timeout: 'client_header',
  client_body_timeout: 'client_body',
  proxy_connect_timeout: 'upstream_connect',
  proxy_read_timeout: 'upstream_read',
};

/** Directives that mean the same wherever they appear (http, server or location). Returns true when handled. */
export function translateAnywhere(directive: NginxDirective, ctx: NginxContext): boolean {
  switch (directive.name) {
    case 'set_real_ip_from': {
      const source = directive.args[0] ?? '';
      if (!parseCidr(source)) ctx.note(directive, 'wharf trusts proxies by IP or CIDR only');
      else {
        const trusted = ctx.draft.list('trusted_proxies');
        if (!trusted.includes(source)) trusted.push(source);
      }
      return true;
    }
    case 'real_ip_header':
      if (/^x-forwarded-for$/i.test(directive.args[0] ?? '')) ctx.builtin(directive, 'wharf reads X-Forwarded-For from trusted_proxies');
      else ctx.note(directive, 'wharf reads the client address from X-Forwarded-For only');
      return true;
    case 'real_ip_recursive':
      if (directive.args[0] === 'on') ctx.builtin(directive, 'wharf skips every trusted proxy in X-Forwarded-For');
      else ctx.note(directive, 'wharf always skips every trusted proxy in X-Forwarded-For');
      return true;
    default:
      return false;
  }
}

export function isHttpTimeout(name: string): boolean {
  return name in HTTP_TIMEOUTS;
}

/** keepalive_timeout, client_*_timeout and proxy_*_timeout at http level -> timeouts.*. */
export function translateHttpTimeout(directive: NginxDirective, ctx: NginxContext): void {
  const time = nginxTime(directive.args[0] ?? '');
  if (time === undefined) {
    ctx.note(directive, 'not a time wharf understands');
    return;
  }
  if (directive.name === 'keepalive_timeout' && directive.args.length > 1) ctx.note(directive, 'the Keep-Alive header timeout (second value) is not sent by wharf');
  ctx.draft.section('timeouts')[HTTP_TIMEOUTS[directive.name]!] = time;
}

/**
 * `access_log` at http level: the first becomes wharf's one access log. `formats` are the
 * config's log_format directives by name.
 */
export function translateAccessLog(directive: NginxDirective, formats: ReadonlyMap<string, NginxDirective>, ctx: NginxContext): void {
  if (ctx.draft.config.access_log !== undefined) {
    ctx.note(directive, 'wharf writes one access log');
    return;
  }
  const [target = '', format, ...params] = directive.args;
  if (target === 'off') {
    ctx.draft.config.access_log = 'off';
    return;
  }
  if (target.startsWith('syslog:')) {
    ctx.note(directive, 'wharf logs to stdout or a file, not syslog');
    return;
  }
  ctx.draft.config.access_log = target === '/dev/stdout' ? 'stdout' : target;
  if (params.length) ctx.note(directive, `parameters ${params.join(' ')} have no wharf equivalent`);
  if (format === undefined || format === 'combined') return;
  const definition = formats.get(format);
  const isJson = definition && (definition.args.includes('escape=json') || definition.args.slice(1).join('').trim().startsWith('{'));
  if (isJson) {
    ctx.draft.config.access_log_format = 'json';
    ctx.draft.comment(['access_log_format'], `${directive.file}:${directive.line}: log format ${format} is JSON; wharf's json access log has its own fixed fields`);
  } else {
    ctx.note(directive, `format ${format}: wharf writes combined (nginx's default) or json; combined is used`);
  }
}
