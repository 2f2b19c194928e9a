// Source releases (PM2 deploy's job): the ref is fetched from the app's git repository into
// its own directory, and the build commands run there, in order, without a shell. Their
// output goes to the app's log. Directories beyond `keep` are removed, oldest first, never
// the one running or the one being built.
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceConfig } from '../config/model.js';
import { argvOf } from '../config/normalize.js';

export class BuildError extends Error {
  readonly code = 'WHARF_BUILD_FAILED';
}

export interface BuildResult {
  readonly dir: string;
  readonly commit: string;
}

export class SourceBuilder {
  constructor(
    private readonly stateDir: string,
    /** One line of git or build output, for the app's log. */
    private readonly output: (app: string, line: string) => void,
  ) {}

  dirOf(app: string, release: number): string {
    return join(this.stateDir, 'releases', app, String(release));
  }

  async build(app: string, release: number, source: SourceConfig, ref: string, env: Readonly<Record<string, string>>): Promise<BuildResult> {
    const dir = this.dirOf(app, release);
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(this.stateDir, 'releases', app), { recursive: true });
    const say = (line: string) => this.output(app, `release #${release}: ${line}`);
    await this.run(['git', 'clone', '--quiet', '--no-checkout', source.repo, dir], this.stateDir, say, process.env);
    await this.run(['git', 'checkout', '--quiet', '--detach', ref], dir, say, process.env);
    const commit = (await this.run(['git', 'rev-parse', 'HEAD'], dir, () => {}, process.env)).trim();
    say(`checked out ${ref} (${commit.slice(0, 12)})`);
    for (const command of source.build) {
      say(`$ ${command}`);
      await this.run(argvOf(command), dir, say, { ...process.env, ...env });
    }
    return { dir, commit };
  }

  /** Removes release directories of `app` beyond the newest `keep`, sparing those in `inUse`. */
  async prune(app: string, keep: number, inUse: ReadonlySet<number>): Promise<number[]> {
    const root = join(this.stateDir, 'releases', app);
    const numbers = (await readdir(root).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => b - a);
    const removed = numbers.slice(keep).filter((n) => !inUse.has(n));
    await Promise.all(removed.map((n) => rm(join(root, String(n)), { recursive: true, force: true })));
    return removed;
  }

  private run(argv: readonly string[], cwd: string, say: (line: string) => void, env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const lines = (chunk: Buffer, keep: boolean) => {
        const text = chunk.toString('utf8');
        if (keep) stdout += text;
        for (const line of text.split('\n')) if (line.trim()) say(line);
      };
      child.stdout.on('data', (chunk: Buffer) => lines(chunk, true));
      child.stderr.on('data', (chunk: Buffer) => lines(chunk, false));
      child.once('error', (error) => reject(new BuildError(`${argv[0]}: ${error.message}`)));
      child.once('close', (code, signal) => {
        if (code === 0) resolvePromise(stdout);
        else reject(new BuildError(`\`${argv.join(' ')}\` failed (${signal ?? `exit ${code}`})`));
      });
    });
  }
}
