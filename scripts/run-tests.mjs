#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx).
// Node 20's runner has no glob support, so the file list is collected here.
// Optional arguments narrow the run to files whose path contains one of them.
//
// Plain listeners run on the lean HTTP/1.1 layer, or on node:http when the Node in use no longer
// offers the parser that layer drives (src/edge/http1/mode.ts). So that a Node upgrade can cost
// speed but never correctness, the files below, which test what a client of the plain listener
// sees, run a second time with WHARF_HTTP1=node. The rest of the suite goes through the same
// listener too, but tests the edge's logic above it, which is the same code on both.
// A WHARF_HTTP1 set by the caller is used for a single pass instead.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

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

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('test', []).sort().filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
const concurrency = process.env.WHARF_TEST_CONCURRENCY ?? '3';

// --test-force-exit: a file whose tests are done ends then, even if a socket of a client library
// (an HTTP agent's keep-alive, a relay to a stopped etcd) still holds its event loop.
// Per file: the cluster files start a 3-member etcd and several wharf processes, which on a
// loaded 2-core machine takes a good part of two minutes before their first test.
const FILE_TIMEOUT_MS = 240_000;

function run(list, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-force-exit', ...list], {
      stdio: 'inherit',
      env,
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const code = await run(files, process.env);
const again = process.env.WHARF_HTTP1 === undefined ? files.filter((f) => NODE_HTTP1.includes(f.split('\\').join('/'))) : [];
if (again.length === 0) process.exit(code);
process.stdout.write(`\n# plain HTTP/1.1 listener on node:http (WHARF_HTTP1=node): ${again.length} file(s) again\n`);
const nodeCode = await run(again, { ...process.env, WHARF_HTTP1: 'node' });
process.exit(code || nodeCode);
