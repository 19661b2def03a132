/**
 * How a file that could not be read is described to a person, after its path: the common
 * operating-system errors in words; undefined for anything else, which the caller words itself.
 */
export function fileProblem(error: unknown): string | undefined {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return undefined;
  }
}
