import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADDON_PATH, P384_PAIR_EXPRESSION } from './nettle-addon.js';

// Signatures still on the threadpool when their JS environment goes away: the addon must drop
// their results quietly (no one waits for them), not abort the whole process. Each case runs in a
// child process, since the failure being guarded against is a process abort (napi_fatal_error).
describe.skipIf(!existsSync(ADDON_PATH))('Nettle signer: results that can no longer be delivered', () => {
  const run = (script: string) =>
    spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, NETTLE_ES384_ADDON: ADDON_PATH },
    });
  // The key is made in the main thread and parsed from PEM (see p384Pair): node 20's key-generation
  // job can deadlock a thread when it is collected, which would hide what is tested here.
  const keyAndAddon = `
    const { verify } = require('node:crypto');
    const addon = require(process.env.NETTLE_ES384_ADDON);
    const { privateKey, publicKey } = ${P384_PAIR_EXPRESSION};
    const jwk = privateKey.export({ format: 'jwk' });
    const coordinates = ['d', 'x', 'y'].map((name) => Buffer.from(jwk[name], 'base64url'));
    const key = addon.importKey(...coordinates);
  `;

  it('a Worker terminated with thousands of signatures in flight ends alone; the process signs on', () => {
    const result = run(`
      const { Worker } = require('node:worker_threads');
      ${keyAndAddon}
      const worker = ${JSON.stringify(`
        const { parentPort, workerData } = require('node:worker_threads');
        const addon = require(process.env.NETTLE_ES384_ADDON);
        const key = addon.importKey(...workerData);
        for (let i = 0; i < 2000; i++) addon.sign(key, Buffer.from('token ' + i), () => {});
        parentPort.postMessage('queued');
      `)};
      let terminated = 0;
      const round = () => {
        const thread = new Worker(worker, { eval: true, workerData: coordinates });
        thread.once('message', () => thread.terminate());
        thread.once('exit', () => {
          if (++terminated < 5) return round();
          addon.sign(key, Buffer.from('after'), (error, signature) => {
            const ok = !error && verify('sha384', Buffer.from('after'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
            process.stdout.write(terminated + ' workers terminated mid-flight; then ' + (ok ? 'signed and verified' : 'FAILED'));
          });
        });
      };
      round();
    `);

    expect(result.stderr).toBe('');
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
    expect(result.stdout).toBe('5 workers terminated mid-flight; then signed and verified');
  });

  it('process.exit() with signatures in flight exits with its own code', () => {
    const result = run(`
      ${keyAndAddon}
      for (let i = 0; i < 2000; i++) addon.sign(key, Buffer.from('token ' + i), () => {});
      process.stdout.write('exiting');
      process.exit(3);
    `);

    expect(result.stderr).toBe('');
    expect({ status: result.status, signal: result.signal, stdout: result.stdout }).toEqual({
      status: 3,
      signal: null,
      stdout: 'exiting',
    });
  });
});
