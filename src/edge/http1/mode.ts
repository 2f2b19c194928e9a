// Which HTTP/1.1 server plain listeners run on: the lean layer (llhttp driven directly, see
// llhttp.ts) or node:http. The lean one depends on an internal, deprecated Node export
// (DEP0199), so it is used only when that export passes its check; otherwise node:http serves
// plain listeners with the same behaviour, slower. WHARF_HTTP1 overrides the choice:
//   (unset) or auto  the lean layer if its parser check passes, node:http otherwise
//   lean             the lean layer; startup fails when it cannot run
//   node             node:http
import type { Logger } from '../../observe/logger.js';
import { loadParserModule } from './llhttp.js';

export type Http1Mode = 'lean' | 'node';

export interface Http1Choice {
  readonly mode: Http1Mode;
  /** Why this mode: the setting, or the parser check's outcome. */
  readonly reason: string;
}

/**
 * The choice for a WHARF_HTTP1 value; `parserProblem` says why the lean layer's parser cannot be
 * used (undefined: it can), and is asked only when the answer depends on it.
 */
export function chooseHttp1(setting: string | undefined, parserProblem: () => string | undefined): Http1Choice {
  const value = (setting ?? '').trim().toLowerCase();
  if (value === 'node') return { mode: 'node', reason: 'WHARF_HTTP1=node' };
  if (value === 'lean') {
    const problem = parserProblem();
    if (problem !== undefined) {
      throw Object.assign(new Error(`WHARF_HTTP1=lean, but the lean HTTP/1.1 layer cannot run on Node ${process.version}: ${problem}; unset WHARF_HTTP1 (or set it to node) to serve plain HTTP through node:http`), {
        code: 'WHARF_HTTP1_UNAVAILABLE',
      });
    }
    return { mode: 'lean', reason: 'WHARF_HTTP1=lean' };
  }
  if (value !== '' && value !== 'auto') {
    throw Object.assign(new Error(`WHARF_HTTP1=${setting}: expected lean, node or auto (or leave it unset)`), { code: 'WHARF_HTTP1_INVALID' });
  }
  const problem = parserProblem();
  if (problem !== undefined) return { mode: 'node', reason: `falling back to node:http: ${problem}` };
  return { mode: 'lean', reason: 'the llhttp parser from node:_http_common passed its check' };
}

let chosen: Http1Choice | undefined;
let announced = false;

/**
 * The process's choice, made on first use (the first plain listener) from WHARF_HTTP1 and the
 * parser check, and logged once at info level. Throws (and chooses nothing) for an unusable
 * WHARF_HTTP1 value, so every attempt to start reports it.
 */
export function http1Mode(logger: Logger): Http1Mode {
  chosen ??= chooseHttp1(process.env.WHARF_HTTP1, () => loadParserModule().problem);
  if (!announced) {
    announced = true;
    const server = chosen.mode === 'lean' ? 'the lean HTTP/1.1 layer' : 'node:http';
    logger.info({ http1: chosen.mode, reason: chosen.reason }, `plain HTTP/1.1 listeners run on ${server}`);
  }
  return chosen.mode;
}
