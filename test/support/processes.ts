import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scanCliOutput } from './leak-scan.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs TypeScript entry points straight from src/ (no build step), exactly as node would run dist/. */
const NODE_ARGS = ['--import', 'tsx'];

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/**
 * Starts `src/main.ts` with the given environment and waits for its "listening" log line.
 * `nodeArgs` go before the entry point (e.g. an `--import` of a module hook).
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { readonly nodeArgs?: readonly string[] } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...(options.nodeArgs ?? []), 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stdout}\n${stderr}`)), 20_000);
    const check = () => {
      const line = stdout.split('\n').find((candidate) => candidate.includes('"msg":"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url as string);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        const started = Date.now();
        if (child.exitCode !== null) {
          resolve({ code: child.exitCode, signal: null, ms: 0 });
          return;
        }
        child.once('exit', (code, exitSignal) =>
          resolve({ code, signal: exitSignal, ms: Date.now() - started }),
        );
        child.kill(signal);
      }),
  };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI (`src/cli/main.ts`) to completion; `input` is piped to its standard input. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { readonly input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      scanCliOutput({ stdout, stderr }, `ivs-playback-auth ${args[0] ?? ''} ${args[1] ?? ''}`.trim());
      resolve({ code, stdout, stderr });
    });
  });
}
