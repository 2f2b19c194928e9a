#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx).
// Node 20's runner has no glob support, so the file list is collected here.
// Optional arguments narrow the run to files whose path contains one of them; --typecheck also
// type-checks the project (what `npm test` does), alongside the tests.
//
// Plain listeners run on the lean HTTP/1.1 layer, or on node:http when the Node in use no longer
// offers the parser that layer drives (src/edge/http1/mode.ts). So that a Node upgrade can cost
// speed but never correctness, the files below, which test what a client of the plain listener
// sees, run a second time with WHARF_HTTP1=node. The rest of the suite goes through the same
// listener too, but tests the edge's logic above it, which is the same code on both.
// A WHARF_HTTP1 set by the caller is used for a single pass instead.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const NODE_HTTP1 = [
  'test/edge/http1-framing.test.ts', // pipelining, keep-alive and its timeout, HTTP/1.0, HEAD/204/304, 100-continue, no Host, a listener removed by reload
  'test/edge/http1-pipelined-errors.test.ts', // a malformed request behind valid ones: answered after them, in order
  'test/edge/malformed.test.ts', // each parser error answered 4xx and closed, logged with its status and reason
  'test/edge/hostile/smuggling.test.ts', // the CL/TE/obs-fold corpus: no desync, nothing forwarded unparsed
  'test/edge/timeouts.test.ts', // client_header (slowloris) and client_body
  'test/edge/max-body.test.ts', // 413 before 100 Continue invites the body; chunked bodies cut at the limit
  'test/edge/websocket.test.ts', // Upgrade handed over with the bytes read past the head
  'test/edge/upstream-cut.test.ts', // a response cut mid-body: the connection closes without the last chunk
  'test/edge/nginx-requests.test.ts', // requests at the edge of the protocol answered as nginx answers them
];

// No "longest files first": Node 20's runner sorts the files it is given (checked on 20.20), so
// the order cannot be set from here; with three slots busy to the end it would gain little anyway.

// Each file is a Node process that loads tsx and then the project through it: about 2 CPU-s
// before its first test, most of the suite's time on two cores. So files that run in-process
// and end in a few seconds share a process, GROUP_SIZE at a time, in sorted order; node:test runs
// their tests one file after another there. Files that start many processes, run for long, or
// steer process-wide state (the CLI, cluster, release and control tests, end-to-end and hostile
// load, and http1-mode, which tests the once-per-process choice of the HTTP/1.1 layer) keep a
// process of their own, as does every file when filters are given.
const ALONE = /e2e|^test\/(cli|cluster|release|control)\/|\/hostile\/|rolling-reload|nginx-differential|http1-mode/;
const GROUP_SIZE = 5;

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const slash = (path) => path.split('\\').join('/');

const args = process.argv.slice(2);
const typecheck = args.includes('--typecheck');
const filters = args.filter((a) => a !== '--typecheck');
const files = collect('test', []).sort().filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
const concurrency = process.env.WHARF_TEST_CONCURRENCY ?? '3';

// --test-force-exit: a file whose tests are done ends then, even if a socket of a client library
// (an HTTP agent's keep-alive, a relay to a stopped etcd) still holds its event loop.
// Per file: the cluster files start a 3-member etcd and several wharf processes, which on a
// loaded 2-core machine takes a good part of two minutes before their first test.
const FILE_TIMEOUT_MS = 240_000;

/** Runs `command`; with `buffered`, its output is kept and handed back instead of shown as it comes. */
function run(command, commandArgs, env, buffered) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit', env });
    const output = [];
    if (buffered) for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${command}: ${error.message}\n`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output) }));
  });
}

function runTests(list, env) {
  return run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-force-exit', ...list], env, false);
}

// The machine this runs on is CPU-bound during the run (two cores, every file a Node process that
// loads the project through tsx). The type check uses one core for about 20 s at the start, while
// the first files load: it runs beside the main pass, its output shown once that is done. The
// second pass runs after the main one, not beside it: a fourth process busy all along slowed the
// cluster end-to-end files enough to matter to them.
const again = process.env.WHARF_HTTP1 === undefined ? files.filter((f) => NODE_HTTP1.includes(slash(f))) : [];
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const typeCheck = typecheck ? run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], process.env, true) : undefined;

/** The files as the runner gets them: in-process files joined GROUP_SIZE to a generated entry. */
function grouped(list) {
  if (filters.length > 0) return list;
  const dir = mkdtempSync(join(tmpdir(), 'wharf-test-groups-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const alone = list.filter((f) => ALONE.test(slash(f)));
  const shared = list.filter((f) => !ALONE.test(slash(f)));
  const entries = [];
  for (let i = 0; i < shared.length; i += GROUP_SIZE) {
    const members = shared.slice(i, i + GROUP_SIZE);
    const entry = join(dir, `group-${String(i / GROUP_SIZE + 1).padStart(2, '0')}.test.mjs`);
    writeFileSync(entry, members.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};\n`).join(''));
    entries.push(entry);
  }
  return [...alone, ...entries];
}

const { code } = await runTests(grouped(files), process.env);
let nodeHttp1;
if (again.length > 0) {
  process.stdout.write(`\n# plain HTTP/1.1 listener on node:http (WHARF_HTTP1=node): ${again.length} file(s) again\n`);
  nodeHttp1 = await runTests(again, { ...process.env, WHARF_HTTP1: 'node' });
}
const checked = await typeCheck;
if (checked) {
  process.stdout.write(`\n# type check (tsc -p tsconfig.json --noEmit): ${checked.code === 0 ? 'ok' : 'FAILED'}\n`);
  process.stdout.write(checked.output);
}
process.exit(code || nodeHttp1?.code || checked?.code || 0);
