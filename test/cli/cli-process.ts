// Runs the real `wharf` CLI (TypeScript through tsx) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = ROOT): ChildProcess & { output: { stdout: string; stderr: string }; exited: Promise<CliRun> } {
  // tsx is resolved from the repository, so the CLI can run from any working directory.
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<CliRun>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, ...output })));
  return Object.assign(child, { output, exited });
}

export async function runCli(args: readonly string[], timeoutMs = 60_000, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  const child = spawnCli(args, options.env, options.cwd);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `wharf up` to print where it serves; returns the first edge URL. */
export async function edgeUrlOf(child: ReturnType<typeof spawnCli>, timeoutMs = 60_000): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const match = /wharf: serving (https?:\/\/[^\s,;]+)/.exec(child.output.stderr);
    if (match) return match[1]!;
    if (child.exitCode !== null) throw new Error(`wharf exited with ${child.exitCode}:\n${child.output.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`wharf did not start in ${timeoutMs} ms:\n${child.output.stderr}`);
}
