// A module hook for a child process (`--import` of the data: URL that `recordImportsArgs` builds):
// appends every bare specifier the process resolves under a given scope to a file, one a line, so a
// test can tell which packages it loaded. Runs in Node's hooks thread (module.register).
import { appendFileSync } from 'node:fs';

let logFile;
let scope;

export function initialize(data) {
  logFile = data.logFile;
  scope = data.scope;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith(scope)) appendFileSync(logFile, `${specifier}\n`);
  return nextResolve(specifier, context);
}
