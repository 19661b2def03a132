import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, RotationLock } from '../../domain/ports.js';

interface LockContent {
  readonly owner: string;
  readonly pid: number;
  readonly acquiredAt: string;
}

/**
 * A lock file created with O_EXCL, so a CLI rotation and a running server never rotate at once.
 * A lock whose process is gone, or that is older than `staleAfterMs`, is taken over: a crashed
 * rotation must not block the next one forever (the rotation plan resumes its work).
 */
export class FileRotationLock implements RotationLock {
  readonly #path: string;
  readonly #clock: Clock;
  readonly #staleAfterMs: number;

  constructor(options: { path: string; clock: Clock; staleAfterMs?: number }) {
    this.#path = options.path;
    this.#clock = options.clock;
    this.#staleAfterMs = options.staleAfterMs ?? 10 * 60_000;
  }

  async tryAcquire(owner: string): Promise<(() => Promise<void>) | undefined> {
    await mkdir(dirname(this.#path), { recursive: true });
    if (!(await this.#create(owner))) {
      if (!(await this.#isStale())) return undefined;
      await rm(this.#path, { force: true });
      if (!(await this.#create(owner))) return undefined;
    }
    return async () => {
      const content = await this.#read();
      if (content?.owner === owner && content.pid === process.pid) await rm(this.#path, { force: true });
    };
  }

  async #create(owner: string): Promise<boolean> {
    try {
      const handle = await open(this.#path, 'wx', 0o600);
      const content: LockContent = { owner, pid: process.pid, acquiredAt: this.#clock().toISOString() };
      await handle.writeFile(JSON.stringify(content));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async #read(): Promise<LockContent | undefined> {
    try {
      return JSON.parse(await readFile(this.#path, 'utf8')) as LockContent;
    } catch {
      return undefined;
    }
  }

  async #isStale(): Promise<boolean> {
    const content = await this.#read();
    if (!content) return true;
    const age = this.#clock().getTime() - new Date(content.acquiredAt).getTime();
    return !(age < this.#staleAfterMs) || !isProcessAlive(content.pid);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
