// Which HTTP/1.1 server plain listeners run on: the lean layer needs node:_http_common's
// parser (internal, deprecated as DEP0199), so its shape is checked and node:http is chosen
// when it is missing or changed; WHARF_HTTP1 forces either. The last tests hide the export
// from a real wharf, to show that a future Node costs speed, not correctness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import { parserModuleProblem, type ParserError, type RequestParser } from '../../src/edge/http1/llhttp.js';
import { chooseHttp1 } from '../../src/edge/http1/mode.js';
import { createLogger } from '../../src/observe/logger.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';

const CONFIG = 'listen: [127.0.0.1:0]\ncontrol: { address: 127.0.0.1:0 }\nroutes: []\n';

const unreachable = () => assert.fail('the parser check was not needed for this setting');

/** A parser with llhttp's shape that calls its callbacks with `args` for any input. */
function fakeModule(headArgs: (url: string) => unknown[]) {
  class HTTPParser {
    static REQUEST = 1;
    static kOnHeaders = 1;
    static kOnHeadersComplete = 2;
    static kOnBody = 3;
    static kOnMessageComplete = 4;
    [key: number]: unknown;
    initialize(): void {}
    execute(data: Buffer): number | ParserError {
      const text = data.toString('latin1');
      if (!text.includes('Host: ')) return Object.assign(new Error('Invalid header token'), { code: 'HPE_INVALID_HEADER_TOKEN', bytesParsed: 0 });
      (this[2] as (...a: unknown[]) => number)(...headArgs(text.split(' ')[1]!));
      (this[3] as (b: Buffer) => void)(Buffer.from('ok'));
      (this[4] as () => void)();
      return data.length;
    }
    finish(): void {}
    free(): void {}
  }
  return { HTTPParser: HTTPParser as unknown as new () => RequestParser, methods: ['DELETE', 'GET', 'HEAD', 'POST'] };
}

describe('HTTP/1.1 server choice', () => {
  test('a module without the HTTPParser export chooses node:http, saying why', () => {
    const problem = parserModuleProblem({ methods: ['GET'] });
    assert.match(problem ?? '', /HTTPParser is not exported/);
    const choice = chooseHttp1(undefined, () => problem);
    assert.equal(choice.mode, 'node');
    assert.match(choice.reason, /falling back to node:http: HTTPParser is not exported/);
    assert.equal(chooseHttp1('auto', () => problem).mode, 'node');
  });

  test('a changed shape is caught: a missing constant, a missing method, no method table, a constructor that throws', () => {
    const { HTTPParser, methods } = fakeModule((url) => [1, 1, ['Host', 'h', 'Content-Length', '2'], 3, url, 0, '', false, true]);
    assert.equal(parserModuleProblem({ HTTPParser, methods }), undefined, 'the fake with the right shape passes');
    /** HTTPParser's statics and prototype methods, less `without`. */
    const without = (name: string) => {
      const Parser = function Parser() {} as unknown as Record<string, unknown> & { prototype: Record<string, unknown> };
      for (const key of ['REQUEST', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete']) if (key !== name) Parser[key] = (HTTPParser as unknown as Record<string, unknown>)[key];
      for (const key of ['initialize', 'execute', 'finish', 'free']) if (key !== name) Parser.prototype[key] = (HTTPParser.prototype as unknown as Record<string, unknown>)[key];
      return Parser;
    };
    assert.equal(parserModuleProblem({ HTTPParser: without('none'), methods }), undefined, 'the copy passes');
    assert.match(parserModuleProblem({ HTTPParser: without('kOnBody'), methods }) ?? '', /HTTPParser\.kOnBody is not an integer/);
    assert.match(parserModuleProblem({ HTTPParser: without('free'), methods }) ?? '', /prototype\.free is not a function/);
    assert.match(parserModuleProblem({ HTTPParser }) ?? '', /methods is not a list/);
    const Throws = Object.assign(function Throws() {
      throw new Error('gone');
    }, HTTPParser);
    Object.assign(Throws.prototype, { initialize() {}, execute() {}, finish() {}, free() {} });
    assert.match(parserModuleProblem({ HTTPParser: Throws, methods }) ?? '', /probe request threw: gone/);
    assert.match(parserModuleProblem(undefined) ?? '', /not an object/);
  });

  test('callbacks called differently (same names, new argument order) are caught by the probe parse', () => {
    const reordered = fakeModule((url) => [['Host', 'h', 'Content-Length', '2'], 1, 1, 3, url, 0, '', false, true]);
    assert.match(parserModuleProblem(reordered) ?? '', /did not receive the version first/);
    const wrongMethod = fakeModule((url) => [1, 1, ['Host', 'h', 'Content-Length', '2'], 1, url, 0, '', false, true]);
    assert.match(parserModuleProblem(wrongMethod) ?? '', /method index/);
  });

  test("this Node's own module: the automatic choice follows its check", () => {
    const problem = parserModuleProblem(createRequire(import.meta.url)('_http_common'));
    assert.equal(chooseHttp1(undefined, () => problem).mode, problem === undefined ? 'lean' : 'node');
  });

  test('WHARF_HTTP1: node without asking, lean only when it can run, anything else refused', () => {
    assert.deepEqual(chooseHttp1('node', unreachable), { mode: 'node', reason: 'WHARF_HTTP1=node' });
    assert.deepEqual(chooseHttp1(' Lean ', () => undefined), { mode: 'lean', reason: 'WHARF_HTTP1=lean' });
    assert.throws(() => chooseHttp1('lean', () => 'HTTPParser is not exported'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'WHARF_HTTP1_UNAVAILABLE');
      assert.match(error.message, /WHARF_HTTP1=lean, but the lean HTTP\/1\.1 layer cannot run on Node v[\d.]+: HTTPParser is not exported/);
      return true;
    });
    assert.throws(() => chooseHttp1('fast', unreachable), { code: 'WHARF_HTTP1_INVALID' });
  });
});

describe('a running wharf on a Node whose _http_common no longer exports the parser', () => {
  // The choice is made once per process, at its first plain listener: the export is renamed
  // (what a refactoring inside Node would look like) before this file starts any wharf.
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  const setting = process.env.WHARF_HTTP1;
  const running: RunningWharf[] = [];

  before(() => {
    const real = createRequire(import.meta.url)('_http_common') as Record<string, unknown>;
    const { HTTPParser, ...rest } = real;
    loader._load = function renamed(this: unknown, request: string, ...args: unknown[]): unknown {
      if (request === '_http_common' || request === 'node:_http_common') return { ...rest, HTTPParserV2: HTTPParser };
      return load.call(this, request, ...args);
    };
  });

  after(async () => {
    loader._load = load;
    if (setting === undefined) delete process.env.WHARF_HTTP1;
    else process.env.WHARF_HTTP1 = setting;
    await Promise.all(running.map((w) => w.stop()));
  });

  test('WHARF_HTTP1=lean: wharf does not start, and says why', async () => {
    process.env.WHARF_HTTP1 = 'lean';
    await assert.rejects(startWharf(CONFIG), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'WHARF_HTTP1_UNAVAILABLE');
      assert.match(error.message, /the lean HTTP\/1\.1 layer cannot run on Node v[\d.]+: node:_http_common has changed: HTTPParser is not exported/);
      return true;
    });
  });

  test('unset: node:http is chosen and logged once, at info, with the reason; requests are served', async () => {
    delete process.env.WHARF_HTTP1;
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    for (let i = 0; i < 2; i++) {
      const w = await startWharf(CONFIG, { logger });
      running.push(w);
      const res = await fetch(`${w.baseUrl}/nothing-here`);
      assert.equal(res.status, 404);
      assert.equal(await res.text(), 'Not Found\n');
    }
    const choices = lines.map((line) => JSON.parse(line) as Record<string, string>).filter((entry) => entry.http1 !== undefined);
    assert.equal(choices.length, 1, 'the choice is logged once per process');
    assert.equal(choices[0]!.http1, 'node');
    assert.equal(choices[0]!.level, 'info');
    assert.match(choices[0]!.reason!, /^falling back to node:http: node:_http_common has changed: HTTPParser is not exported/);
    assert.match(choices[0]!.msg!, /plain HTTP\/1\.1 listeners run on node:http/);
  });
});
