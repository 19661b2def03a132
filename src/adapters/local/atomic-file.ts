import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ServiceError } from '../../domain/errors.js';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one, and the new
 * content survives a crash once this resolves: write a temp file beside it with the final mode, fsync,
 * rename over the target, fsync the folder.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.chmod(mode); // the umask may have narrowed or widened the mode given to open
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/** Reads a UTF-8 file, or undefined when it does not exist. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads one of local mode's JSON files through `parse` (which throws on a wrong shape); undefined
 * when the file does not exist. Unreadable JSON or a wrong shape is KEY_STORE_CORRUPT, naming the file.
 */
export async function readJsonDocument<T>(
  path: string,
  what: string,
  parse: (document: unknown) => T,
): Promise<T | undefined> {
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  try {
    return parse(JSON.parse(text));
  } catch (error) {
    throw new ServiceError(
      'KEY_STORE_CORRUPT',
      `${path} is not a valid ${what}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
