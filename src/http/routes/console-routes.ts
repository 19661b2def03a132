import { readFileSync } from 'node:fs';
import type { Request, Response } from 'express';
import { consoleContentSecurityPolicy } from '../console-security-policy.js';
import type { OperationHandler } from '../create-app.js';

/** `console/` sits at the package root, two levels above both `src/http/routes/`… and `dist/http/routes/`. */
export const CONSOLE_DIR = new URL('../../../console/', import.meta.url);

const FILES = {
  getConsole: { file: 'index.html', type: 'text/html; charset=utf-8' },
  getConsoleScript: { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  getConsoleStyles: { file: 'console.css', type: 'text/css; charset=utf-8' },
  getConsoleIcon: { file: 'icon.svg', type: 'image/svg+xml' },
} as const;

type ConsoleOperation = keyof typeof FILES;

/**
 * The support console: static files shipped with the service (no build step, nothing from
 * elsewhere), read once at start and served under the console's strict Content-Security-Policy.
 * The page talks to the API with the key its user types in; it holds no secret of its own.
 */
export function consoleRoutes(): Record<ConsoleOperation, OperationHandler> {
  const policy = consoleContentSecurityPolicy();
  const serve = (operation: ConsoleOperation): OperationHandler => {
    const { file, type } = FILES[operation];
    const body = readFileSync(new URL(file, CONSOLE_DIR));
    return (_req: Request, res: Response) => {
      res.setHeader('Content-Security-Policy', policy);
      res.setHeader('Content-Type', type);
      // Revalidated on every load, so a new version of the service never meets an old script.
      res.setHeader('Cache-Control', 'no-cache');
      res.send(body);
    };
  };
  return {
    getConsole: serve('getConsole'),
    getConsoleScript: serve('getConsoleScript'),
    getConsoleStyles: serve('getConsoleStyles'),
    getConsoleIcon: serve('getConsoleIcon'),
  };
}
