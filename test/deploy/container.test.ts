// The Dockerfile and compose.yaml cannot be built here (no image registry), so: the Dockerfile
// is linted (dockerfile-utils, the checker of the Dockerfile language server) and checked for
// what running wharf needs (multi-stage, non-root, HEALTHCHECK, SIGTERM); then the image's own
// start command runs outside a container, in a directory laid out by the Dockerfile's COPY
// lines: it serves the example apps, its HEALTHCHECK command passes, and SIGTERM drains an
// in-flight request before wharf exits 0. Prometheus' scrape config is checked by promtool.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';
import { ROOT, edgeUrlOf, spawnCli } from '../cli/cli-process.js';
import { skipMissing } from '../helpers/backends.js';

const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const finalStage = () => {
  const instructions = dockerfile.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
};
const jsonArgs = (keyword: string) => {
  const instruction = finalStage().find((i) => i.getKeyword() === keyword);
  assert.ok(instruction, `${keyword} in the final stage`);
  return JSON.parse(instruction.getRawArgumentsContent()!) as string[];
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('container image', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test('the Dockerfile lints clean and has what running wharf needs', () => {
    assert.deepEqual(validate(dockerfileText).map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
    // The linter does catch mistakes (so a clean result means something).
    assert.ok(validate(`${dockerfileText}\nHEALTHCHEK CMD true\n`).length > 0);
    const froms = dockerfile.getFROMs();
    assert.ok(froms.length >= 2, 'multi-stage');
    assert.ok(finalStage().some((i) => i.getKeyword() === 'COPY' && /--from=build/.test(i.getTextContent())), 'the runtime stage takes the built package from the build stage');
    const users = finalStage().filter((i) => i.getKeyword() === 'USER');
    assert.ok(users.length > 0 && users.every((u) => !/^(root|0)$/.test(u.getRawArgumentsContent()!.trim())), 'runs as a non-root user');
    assert.equal(finalStage().find((i) => i.getKeyword() === 'STOPSIGNAL')?.getRawArgumentsContent(), 'SIGTERM');
    assert.match(finalStage().find((i) => i.getKeyword() === 'HEALTHCHECK')!.getTextContent(), /CMD \["wharf", "status"/);
    assert.deepEqual(jsonArgs('ENTRYPOINT').slice(-1), ['wharf']);
  });

  test("the image's start command, outside a container: serves, passes its HEALTHCHECK, drains on SIGTERM and exits 0", async () => {
    const workdir = finalStage().filter((i) => i.getKeyword() === 'WORKDIR').at(-1)!.getRawArgumentsContent()!.trim();
    const root = mkdtempSync(join(tmpdir(), 'wharf-image-'));
    dirs.push(root);
    // Lay the directory out as the final stage's plain COPY lines do (relative targets are under WORKDIR).
    for (const copy of finalStage().filter((i) => i.getKeyword() === 'COPY' && !/--from=/.test(i.getTextContent()))) {
      const args = copy.getArguments().map((a) => a.getValue()).filter((a) => !a.startsWith('--'));
      const target = args.at(-1)!.replace(/^\.\//, '');
      cpSync(join(ROOT, args[0]!), target.startsWith('/') ? join(root, target.slice(workdir.length)) : join(root, target), { recursive: true });
    }
    const inImage = (arg: string) => arg.replace(workdir, root);
    const [edgePort, controlPort] = [await freePort(), await freePort()];
    const env = { ...process.env, WHARF_LISTEN: `127.0.0.1:${edgePort}`, WHARF_CONTROL: `127.0.0.1:${controlPort}`, WHARF_TOKEN: 'image-test-token' };
    const command = jsonArgs('CMD').map(inImage);
    const child = spawnCli(command, env);
    try {
      const url = await edgeUrlOf(child, 90_000);
      const books = await fetch(`${url}/api/books`);
      assert.equal(books.status, 200);
      assert.ok(Array.isArray(await books.json()));
      assert.equal((await fetch(`${url}/accounts/healthz`)).status < 500, true);

      const healthcheck = /CMD (\[.*\])/.exec(finalStage().find((i) => i.getKeyword() === 'HEALTHCHECK')!.getTextContent())![1]!;
      const [, ...checkArgs] = (JSON.parse(healthcheck) as string[]).map(inImage);
      const health = await spawnCli(checkArgs, env).exited;
      assert.equal(health.code, 0, health.stderr);

      // A POST whose body is still arriving when SIGTERM comes must still be answered.
      const socket = connect(edgePort, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      const body = JSON.stringify({ ISBN: '978-0-13-468599-1', Author: 'Drain Test', PublishedYear: 2001 });
      socket.write(`POST /api/books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
      await sleep(300);
      const stopSignal = finalStage().find((i) => i.getKeyword() === 'STOPSIGNAL')!.getRawArgumentsContent()!.trim() as NodeJS.Signals;
      child.kill(stopSignal);
      await sleep(300);
      socket.write(body.slice(10));
      const exit = await child.exited;
      socket.destroy();
      assert.match(answer, /^HTTP\/1\.1 201 /, `${answer}\n${exit.stderr.slice(-3000)}`);
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stderr, /"msg":"wharf stopped"/);
    } finally {
      // SIGTERM first: a SIGKILLed wharf would leave the example apps running.
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await child.exited;
        clearTimeout(timer);
      }
    }
  });

  test('compose.yaml: wharf and Prometheus, whose scrape config promtool accepts and points at wharf', (t) => {
    const compose = parseYaml(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(compose.services).sort(), ['prometheus', 'wharf']);
    const prometheusFile = join(ROOT, 'deploy', 'container', 'prometheus.yml');
    const scrape = parseYaml(readFileSync(prometheusFile, 'utf8')) as { scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] };
    assert.equal(scrape.scrape_configs[0]!.metrics_path, '/metrics');
    const wharfConfig = readFileSync(join(ROOT, 'deploy', 'container', 'wharf.yaml'), 'utf8');
    const controlPort = /WHARF_CONTROL:-[\d.]+:(\d+)/.exec(wharfConfig)![1];
    assert.deepEqual(scrape.scrape_configs[0]!.static_configs[0]!.targets, [`wharf:${controlPort}`]);
    if (spawnSync('promtool', ['--version']).error) return skipMissing(t, 'promtool');
    execFileSync('promtool', ['check', 'config', prometheusFile], { stdio: 'pipe' });
  });
});
