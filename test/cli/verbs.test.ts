// The CLI as people expect it: --version, every verb's own --help with its options and an
// example, unknown options and extra arguments refused, `status -o json`, `scale APP max`,
// `logs` without an app following every app with a prefix, and completion scripts that parse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, runCli, spawnCli } from './cli-process.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { allVerbs } from '../../src/cli/verbs/index.js';
import { parseVerbArgs, verbHelp } from '../../src/cli/verb.js';
import { bashCompletion } from '../../src/cli/completion.js';
import type { WharfStatus } from '../../src/control/status.js';

const APP = `
import { createServer } from 'node:http';
console.log('hello from ' + process.env.WHARF_APP);
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

describe('wharf CLI conventions', () => {
  test('--version prints wharf and the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `wharf ${version}\n`);
  });

  test('every verb has its own help: usage line, every option, an example', () => {
    const verbs = allVerbs();
    for (const name of ['up', 'check', 'status', 'start', 'stop', 'restart', 'reload', 'scale', 'logs', 'import', 'startup', 'completion']) {
      assert.ok(verbs.some((v) => v.name === name), `verb ${name}`);
    }
    for (const verb of verbs) {
      const help = verbHelp(verb);
      assert.match(help, new RegExp(`^usage: wharf ${verb.name}\\b`));
      for (const [option, spec] of Object.entries(verb.options)) {
        assert.match(help, new RegExp(`--${option}\\b`), `${verb.name} --help names --${option}`);
        if (spec.short) assert.match(help, new RegExp(`-${spec.short}, --${option}`));
      }
      assert.match(help, /\nexamples?:\n {2}\S/, `${verb.name} --help has an example`);
      assert.ok(verb.examples.length > 0 && verb.examples.every((e) => e.includes(`wharf ${verb.name}`)), `${verb.name}'s examples use it`);
    }
  });

  test('the parser refuses unknown options, extra and missing arguments', () => {
    const verbs = new Map(allVerbs().map((v) => [v.name, v]));
    assert.throws(() => parseVerbArgs(verbs.get('status')!, ['--bogus']), /Unknown option '--bogus'/);
    assert.throws(() => parseVerbArgs(verbs.get('status')!, ['web']), /unexpected argument: web/);
    assert.throws(() => parseVerbArgs(verbs.get('restart')!, ['a', 'b']), /unexpected argument: b/);
    assert.throws(() => parseVerbArgs(verbs.get('scale')!, ['web']), /missing argument \(APP N\|max\)/);
    assert.throws(() => parseVerbArgs(verbs.get('check')!, ['-f']), /Unknown option '-f'/);
    assert.deepEqual({ ...parseVerbArgs(verbs.get('logs')!, ['web', '-n', '5', '-f']).values }, { lines: '5', follow: true });
  });

  test('as a process: `VERB --help` exits 0 on stdout; a usage error exits 2 with the usage on stderr', async () => {
    const [help, unknown, extra] = await Promise.all([runCli(['scale', '--help']), runCli(['check', '--frobnicate']), runCli(['check', 'extra.yaml'])]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: wharf scale APP N\|max \[options\]\n/);
    assert.match(help.stdout, /wharf scale books max/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^wharf: check: Unknown option '--frobnicate'\nusage: wharf check \[options\]/);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument: extra\.yaml/);
  });

  test('completion bash is valid bash and offers every verb; the zsh script too when zsh is there', async () => {
    const verbs = allVerbs();
    const script = bashCompletion(verbs);
    execFileSync('bash', ['-n'], { input: script });
    for (const verb of verbs) assert.match(script, new RegExp(`\\b${verb.name}\\b`));
    // The completion function itself, driven as bash would: words after `wharf sc`.
    const offered = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(wharf sc); COMP_CWORD=1; _wharf; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    assert.equal(offered.trim(), 'scale');
    const flags = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(wharf status --o); COMP_CWORD=2; _wharf; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    assert.equal(flags.trim(), '--output');
    const zsh = await runCli(['completion', 'zsh']);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef wharf/);
    try {
      execFileSync('zsh', ['-n'], { input: zsh.stdout });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  });
});

describe('wharf CLI against a running wharf', () => {
  let wharf: RunningWharf;
  before(async () => {
    wharf = await startWharf(
      `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: "off"
apps:
  web: { command: node app.mjs, stop_timeout: 2s }
  api: { command: node app.mjs, stop_timeout: 2s }
routes:
  - { path: /, proxy: web }
`,
      { files: { 'app.mjs': APP } },
    );
  });
  after(() => wharf.stop());

  const cliAgainst = (args: string[]) => spawnCli([...args, '--control', wharf.controlUrl], { ...process.env, WHARF_TOKEN: wharf.controlToken }).exited;

  test('status -o json is the control API document', async () => {
    const run = await cliAgainst(['status', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const status = JSON.parse(run.stdout) as WharfStatus;
    assert.deepEqual(status.apps.map((a) => a.name).sort(), ['api', 'web']);
    assert.equal(status.apps[0]!.instances[0]!.state, 'ready');
    const bad = await cliAgainst(['status', '-o', 'yaml']);
    assert.equal(bad.code, 2);
  });

  test('scale APP max runs one instance per CPU', async () => {
    const run = await cliAgainst(['scale', 'api', 'max']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `scale: api now has ${availableParallelism()} instance(s)\n`);
    assert.equal(wharf.wharf.status().apps.find((a) => a.name === 'api')!.instances.length, availableParallelism());
  });

  test('logs without an app follows every app, each line prefixed with its app', async () => {
    const child = spawnCli(['logs', '--control', wharf.controlUrl, '-n', '20'], { ...process.env, WHARF_TOKEN: wharf.controlToken });
    try {
      for (let i = 0; i < 600 && !(/^web \| .*hello from web$/m.test(child.output.stdout) && /^api \| .*hello from api$/m.test(child.output.stdout)); i++) await sleep(50);
      assert.match(child.output.stdout, /^web \| .*web\.0 out hello from web$/m);
      assert.match(child.output.stdout, /^api \| .*api\.0 out hello from api$/m);
      // Still following: a restart's lines arrive after the first ones.
      await wharf.control('/api/apps/web/restart', { method: 'POST' });
      for (let i = 0; i < 600 && (child.output.stdout.match(/hello from web/g) ?? []).length < 2; i++) await sleep(50);
      assert.ok((child.output.stdout.match(/^web \| .*hello from web$/gm) ?? []).length >= 2, child.output.stdout);
      assert.equal(child.exitCode, null, 'still following');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
