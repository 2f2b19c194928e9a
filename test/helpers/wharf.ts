// Starts a real wharf (in this process) on loopback from a YAML text, in a temp directory.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Wharf } from '../../src/wharf.js';
import { createLogger, type Logger } from '../../src/observe/logger.js';

export interface RunningWharf {
  readonly wharf: Wharf;
  /** http(s)://127.0.0.1:PORT of the first listener. */
  readonly baseUrl: string;
  readonly urls: readonly string[];
  readonly controlUrl: string;
  /** The token the control API requires (generated into the temp state dir unless the config sets one). */
  readonly controlToken: string;
  /** fetch() on the control address with the token. */
  control(path: string, init?: RequestInit): Promise<Response>;
  readonly dir: string;
  readonly configFile: string;
  /** Access-log lines written to stdout so far. */
  readonly accessLines: string[];
  /** Rewrites the config file (when given) and reloads; throws with the errors if rejected. */
  reload(yaml?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra files to create, relative to the config's directory. */
  readonly files?: Record<string, string | Buffer>;
  readonly env?: Record<string, string>;
  readonly dir?: string;
  readonly logLevel?: string;
  /** wharf's own log (logLevel is then not used). */
  readonly logger?: Logger;
  /** Handles accepting on each listening socket (WharfOptions.acceptHandles). */
  readonly acceptHandles?: number;
}

export async function startWharf(yaml: string, options: StartOptions = {}): Promise<RunningWharf> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'wharf-test-')));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const configFile = join(dir, 'wharf.yaml');
  await writeFile(configFile, yaml);
  const accessLines: string[] = [];
  const stdout = new PassThrough();
  let partial = '';
  stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    accessLines.push(...lines);
  });
  const wharf = await Wharf.start(configFile, {
    env: { ...process.env, ...options.env },
    logger: options.logger ?? createLogger(options.logLevel ?? process.env.WHARF_TEST_LOG ?? 'silent'),
    stdout,
    acceptHandles: options.acceptHandles,
  });
  const urls = wharf.edgeAddresses().map((a) => `${a.tls ? 'https' : 'http'}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`);
  const control = wharf.controlAddress();
  let stopped = false;
  return {
    wharf,
    baseUrl: urls[0] ?? '',
    urls,
    controlUrl: `http://127.0.0.1:${control.port}`,
    controlToken: wharf.controlToken,
    control: (path, init = {}) =>
      fetch(`http://127.0.0.1:${control.port}${path}`, { ...init, headers: { authorization: `Bearer ${wharf.controlToken}`, ...(init.headers as Record<string, string> | undefined) } }),
    dir,
    configFile,
    accessLines,
    async reload(text?: string) {
      if (text !== undefined) await writeFile(configFile, text);
      const result = await wharf.reload();
      if (!result.ok) throw new Error(`reload rejected:\n${(result.errors ?? []).join('\n')}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await wharf.shutdown();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The YAML preamble every test config needs: ephemeral ports on loopback, quiet logs. */
export const LOOPBACK = `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
`;
