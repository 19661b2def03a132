import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSigningBackend } from '../../src/adapters/crypto/choose-signing-backend.js';
import { loadNettleSigningBackend } from '../../src/adapters/crypto/nettle-signing-backend.js';
import { opensslSigningBackend } from '../../src/adapters/crypto/openssl-signing-backend.js';
import type { Es384Backend } from '../../src/adapters/crypto/p384-keys.js';
import { ADDON_PATH, P384_PAIR_EXPRESSION, p384Pair, preloading } from '../signer/nettle-addon.js';
import { RecordingLogger } from '../support/fakes.js';

function tryLoadNettle(): Es384Backend | undefined {
  try {
    return loadNettleSigningBackend(ADDON_PATH);
  } catch (error) {
    console.log(`signing-backends: Nettle signer tests skipped: ${(error as Error).message}`);
    return undefined;
  }
}
const nettle = tryLoadNettle();

function p384(): { privateKey: KeyObject; publicKey: KeyObject } {
  return p384Pair();
}

function verifies(publicKey: KeyObject, input: Uint8Array, signature: Uint8Array): boolean {
  return verify('sha384', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

const backends: [string, Es384Backend | undefined][] = [
  ['openssl', opensslSigningBackend],
  ['nettle', nettle],
];

for (const [name, backend] of backends) {
  describe.skipIf(backend === undefined)(`${name} signing backend`, () => {
    const signing = backend as Es384Backend;

    it('names itself and its library version', () => {
      expect(signing.name).toBe(name);
      expect(signing.description).toMatch(name === 'nettle' ? /^GNU Nettle \d+\.\d+/ : /^OpenSSL \d/);
    });

    it('signs 96-byte R‖S signatures that OpenSSL verifies under the public key', async () => {
      const { privateKey, publicKey } = p384();
      const input = Buffer.from('eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9');

      const signature = await signing.signerFor(privateKey).sign(input);

      expect(signature).toHaveLength(96);
      expect(verifies(publicKey, input, signature)).toBe(true);
      expect(verifies(publicKey, Buffer.from('something else'), signature)).toBe(false);
    });

    it('makes ES384 JWTs that jose and jsonwebtoken both accept', async () => {
      const { privateKey, publicKey } = p384();
      const header = Buffer.from('{"alg":"ES384","typ":"JWT"}').toString('base64url');
      const claims = Buffer.from(
        '{"aws:channel-arn":"arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456","exp":4102444800}',
      ).toString('base64url');
      const input = `${header}.${claims}`;

      const signature = await signing.signerFor(privateKey).sign(Buffer.from(input));
      const token = `${input}.${signature.toString('base64url')}`;

      await expect(compactVerify(token, publicKey)).resolves.toBeDefined();
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(jsonwebtoken.verify(token, pem, { algorithms: ['ES384'] })).toMatchObject({ exp: 4102444800 });
    });

    it('uses a fresh nonce for every signature of the same input', async () => {
      const { privateKey, publicKey } = p384();
      const signer = signing.signerFor(privateKey);
      const input = Buffer.from('the same input, many times');

      const signatures = await Promise.all(Array.from({ length: 64 }, () => signer.sign(input)));

      const rValues = new Set(signatures.map((signature) => signature.subarray(0, 48).toString('hex')));
      expect(rValues.size).toBe(64);
      for (const signature of signatures) expect(verifies(publicKey, input, signature)).toBe(true);
    });

    it('keeps every signature right with hundreds in flight on the threadpool, for several keys', async () => {
      const keys = [p384(), p384(), p384()];
      const signers = keys.map(({ privateKey }) => signing.signerFor(privateKey));

      const jobs = Array.from({ length: 300 }, (_, index) => {
        const input = Buffer.from(`token ${index}`);
        return signers[index % 3]?.sign(input).then((signature) => ({ index, input, signature }));
      });
      const results = await Promise.all(jobs);

      for (const result of results) {
        const key = keys[(result?.index ?? 0) % 3];
        expect(key && result && verifies(key.publicKey, result.input, result.signature)).toBe(true);
      }
    });

    it('handles keys whose d, x or y start with a zero byte (1 in 256 keys each)', async () => {
      for (const coordinate of ['d', 'x', 'y'] as const) {
        let pair = p384();
        while (
          Buffer.from(pair.privateKey.export({ format: 'jwk' })[coordinate] ?? '', 'base64url')[0] !== 0
        ) {
          pair = p384();
        }
        const input = Buffer.from(`leading zero in ${coordinate}`);

        const signature = await signing.signerFor(pair.privateKey).sign(input);

        expect(verifies(pair.publicKey, input, signature)).toBe(true);
      }
    });

    it('pads R and S to 48 bytes each when they start with zero bytes (1 in 128 signatures)', async () => {
      const { privateKey, publicKey } = p384();
      const signer = signing.signerFor(privateKey);
      const input = Buffer.from('short R or S');
      let signature = await signer.sign(input);
      while (signature[0] !== 0 && signature[48] !== 0) signature = await signer.sign(input);

      expect(signature).toHaveLength(96);
      expect(verifies(publicKey, input, signature)).toBe(true);
    });

    it('signs an empty input and a large one', async () => {
      const { privateKey, publicKey } = p384();
      const signer = signing.signerFor(privateKey);
      const large = Buffer.alloc(1 << 20, 'a');

      const [empty, big] = await Promise.all([signer.sign(Buffer.alloc(0)), signer.sign(large)]);

      expect(verifies(publicKey, Buffer.alloc(0), empty)).toBe(true);
      expect(verifies(publicKey, large, big)).toBe(true);
    });

    it('signs what the input held when sign() was called, even if the caller reuses its buffer', async () => {
      const { privateKey, publicKey } = p384();
      const input = Buffer.from('original input');

      const pending = signing.signerFor(privateKey).sign(input);
      input.fill(0);
      const signature = await pending;

      expect(verifies(publicKey, Buffer.from('original input'), signature)).toBe(true);
    });
  });
}

describe.skipIf(nettle === undefined)('Nettle signer', () => {
  const signing = nettle as Es384Backend;

  it('refuses keys that are not ECDSA P-384', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;

    expect(() => signing.signerFor(p256)).toThrow('the Nettle signer takes ECDSA P-384 private keys only');
    expect(() => signing.signerFor(rsa)).toThrow('the Nettle signer takes ECDSA P-384 private keys only');
  });

  // A getentropy() that fails while FAIL_ENTROPY is set in the environment, preloaded into a child
  // process (Linux, where a C compiler built the addon): the kernel CSPRNG failing must turn into
  // errors, never into signatures, and SIGNER=auto must then choose OpenSSL. The shim also stands
  // in front of Nettle's two ECDSA signing calls and says so on stderr if either runs while
  // getentropy fails: no signature may even be computed without a nonce from the kernel.
  describe.skipIf(process.platform !== 'linux' || spawnSync('cc', ['--version']).status !== 0)(
    'when the kernel random source fails',
    () => {
      const shimDir = mkdtempSync(join(tmpdir(), 'ipa-entropy-'));
      const shim = join(shimDir, 'failing-getentropy.so');
      afterAll(() => rmSync(shimDir, { recursive: true, force: true }));
      beforeAll(() => {
        const source = join(shimDir, 'failing-getentropy.c');
        writeFileSync(
          source,
          `#define _GNU_SOURCE
          #include <dlfcn.h>
          #include <errno.h>
          #include <link.h>
          #include <stddef.h>
          #include <stdlib.h>
          #include <string.h>
          #include <unistd.h>
          int getentropy(void *buffer, size_t length) {
            if (getenv("FAIL_ENTROPY") != NULL) { errno = EIO; return -1; }
            int (*real)(void *, size_t) = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "getentropy");
            return real(buffer, length);
          }
          static void signing(const char *call) {
            static const char message[] = " computed a signature while getentropy failed\\n";
            if (getenv("FAIL_ENTROPY") == NULL) return;
            write(2, call, strlen(call));
            write(2, message, sizeof message - 1);
          }
          /* The addon's libhogweed is loaded privately (dlopen of the addon), so look it up by name. */
          static int find_hogweed(struct dl_phdr_info *info, size_t size, void *library) {
            (void)size;
            if (strstr(info->dlpi_name, "libhogweed") == NULL) return 0;
            *(void **)library = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
            return 1;
          }
          static void *nettle(const char *name) {
            void *library = NULL;
            dl_iterate_phdr(find_hogweed, &library);
            if (library == NULL) abort();
            return dlsym(library, name);
          }
          typedef void ecdsa_sign_t(void *, void *, void *, size_t, void *, void *);
          typedef void ecc_ecdsa_sign_t(void *, void *, void *, size_t, void *, void *, void *, void *);
          void nettle_ecdsa_sign(void *a, void *b, void *c, size_t d, void *e, void *f) {
            signing("nettle_ecdsa_sign");
            ((ecdsa_sign_t *)nettle("nettle_ecdsa_sign"))(a, b, c, d, e, f);
          }
          void nettle_ecc_ecdsa_sign(void *a, void *b, void *c, size_t d, void *e, void *f, void *g, void *h) {
            signing("nettle_ecc_ecdsa_sign");
            ((ecc_ecdsa_sign_t *)nettle("nettle_ecc_ecdsa_sign"))(a, b, c, d, e, f, g, h);
          }`,
        );
        const built = spawnSync('cc', ['-shared', '-fPIC', '-o', shim, source, '-ldl'], { encoding: 'utf8' });
        if (built.status !== 0) throw new Error(`could not build the getentropy shim: ${built.stderr}`);
      });

      const runWithShim = (script: string) =>
        spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          encoding: 'utf8',
          timeout: 30_000,
          env: { ...process.env, LD_PRELOAD: preloading(shim) },
        });
      const modules = JSON.stringify({
        nettle: new URL('../../src/adapters/crypto/nettle-signing-backend.ts', import.meta.url).href,
        choose: new URL('../../src/adapters/crypto/choose-signing-backend.ts', import.meta.url).href,
        addon: ADDON_PATH,
      });

      it('rejects the signature (ERR_NETTLE_ENTROPY), and signs again once the source works', () => {
        const result = runWithShim(`
          const { verify } = await import('node:crypto');
          const require = (await import('node:module')).createRequire(import.meta.url);
          const modules = ${modules};
          const { loadNettleSigningBackend } = await import(modules.nettle);
          const { privateKey, publicKey } = ${P384_PAIR_EXPRESSION};
          const signer = loadNettleSigningBackend(modules.addon).signerFor(privateKey);
          process.env.FAIL_ENTROPY = '1';
          const failed = await signer.sign(Buffer.from('input')).then(() => 'signed', (error) => error.code + ': ' + error.message);
          delete process.env.FAIL_ENTROPY;
          const signature = await signer.sign(Buffer.from('input'));
          const ok = verify('sha384', Buffer.from('input'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
          process.stdout.write(JSON.stringify({ failed, ok }));
        `);

        expect(result.stderr).toBe('');
        expect(JSON.parse(result.stdout)).toEqual({
          failed: 'ERR_NETTLE_ENTROPY: could not read random bytes for the ECDSA nonce',
          ok: true,
        });
      });

      it('refuses to import keys, and SIGNER=auto chooses OpenSSL, saying why', () => {
        const result = runWithShim(`
          const require = (await import('node:module')).createRequire(import.meta.url);
          const modules = ${modules};
          const { loadNettleSigningBackend } = await import(modules.nettle);
          const { chooseSigningBackend } = await import(modules.choose);
          const { privateKey } = ${P384_PAIR_EXPRESSION};
          process.env.FAIL_ENTROPY = '1';
          let imported;
          try { loadNettleSigningBackend(modules.addon).signerFor(privateKey); imported = 'imported'; } catch (error) { imported = error.code; }
          const lines = [];
          const logger = { debug() {}, info() {}, error() {}, warn: (fields, message) => lines.push(message + ' / ' + fields.reason) };
          const chosen = (await chooseSigningBackend('auto', logger, () => loadNettleSigningBackend(modules.addon))).name;
          process.stdout.write(JSON.stringify({ imported, chosen, lines }));
        `);

        expect(result.stderr).toBe('');
        expect(JSON.parse(result.stdout)).toEqual({
          imported: 'ERR_NETTLE_ENTROPY',
          chosen: 'openssl',
          lines: [
            "signing with OpenSSL (node:crypto), several times the CPU a token: the Nettle signer is not available / the kernel's random source (getentropy) does not work here, so no ECDSA nonce can be drawn",
          ],
        });
      });
    },
  );

  describe('addon (native/nettle_es384.c)', () => {
    type Addon = {
      importKey(d: Uint8Array, x: Uint8Array, y: Uint8Array): object;
      sign(key: unknown, input: unknown, callback: unknown): void;
      nettleVersion: string;
    };
    const addon = (): Addon => createRequire(import.meta.url)(ADDON_PATH) as Addon;
    const coordinates = (privateKey: KeyObject) => {
      const jwk = privateKey.export({ format: 'jwk' });
      return {
        d: Buffer.from(jwk.d ?? '', 'base64url'),
        x: Buffer.from(jwk.x ?? '', 'base64url'),
        y: Buffer.from(jwk.y ?? '', 'base64url'),
      };
    };
    // The order n of the P-384 group: a valid scalar is 0 < d < n.
    const ORDER = Buffer.from(
      'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
      'hex',
    );

    it('refuses a public point that is not d·G, without echoing key material', () => {
      const { d, x, y } = coordinates(p384().privateKey);
      const other = coordinates(p384().privateKey);

      let thrown: unknown;
      try {
        addon().importKey(d, other.x, other.y);
      } catch (error) {
        thrown = error;
      }

      expect(thrown).toMatchObject({
        code: 'ERR_INVALID_KEY',
        message: 'the P-384 public point is not d·G for this private key',
      });
      for (const secret of [d.toString('hex'), d.toString('base64url'), x.toString('hex')]) {
        expect(String((thrown as Error).message)).not.toContain(secret);
      }
      expect(() => addon().importKey(d, y, x)).toThrow('not d·G');
    });

    it('refuses private scalars out of range (0, n, n + 1, all ones)', () => {
      const { x, y } = coordinates(p384().privateKey);
      const nPlusOne = Buffer.from(ORDER);
      nPlusOne[47] = (nPlusOne[47] ?? 0) + 1;

      for (const d of [Buffer.alloc(48), ORDER, nPlusOne, Buffer.alloc(48, 0xff)]) {
        expect(() => addon().importKey(d, x, y)).toThrow('the P-384 private scalar is out of range');
      }
    });

    it('refuses coordinates of the wrong length or type, and missing arguments', () => {
      const { d, x, y } = coordinates(p384().privateKey);

      expect(() => addon().importKey(d.subarray(1), x, y)).toThrow('d must be 48 bytes (a P-384 coordinate)');
      expect(() => addon().importKey(d, Buffer.concat([x, Buffer.alloc(1)]), y)).toThrow(
        'x must be 48 bytes',
      );
      expect(() => addon().importKey(d, x, 'y' as never)).toThrow('y must be a Uint8Array');
      expect(() => addon().importKey(d, x, new Uint16Array(24) as never)).toThrow('y must be a Uint8Array');
      expect(() => (addon().importKey as (...args: unknown[]) => unknown)(d, x)).toThrow(
        'importKey(d, x, y) takes three arguments',
      );
    });

    it('refuses to sign with anything but an imported key, a Uint8Array and a callback', () => {
      const { d, x, y } = coordinates(p384().privateKey);
      const key = addon().importKey(d, x, y);
      const done = () => {};

      expect(() => addon().sign({}, Buffer.from('x'), done)).toThrow('key must come from importKey()');
      expect(() => addon().sign(null, Buffer.from('x'), done)).toThrow('key must come from importKey()');
      expect(() => addon().sign(key, 'text', done)).toThrow('input must be a Uint8Array');
      expect(() => addon().sign(key, new Float32Array(2), done)).toThrow('input must be a Uint8Array');
      expect(() => addon().sign(key, Buffer.from('x'), 'not a function')).toThrow(
        'callback must be a function',
      );
      expect(() => (addon().sign as (...args: unknown[]) => unknown)(key, Buffer.from('x'))).toThrow(
        'sign(key, input, callback) takes three arguments',
      );
    });

    it('finishes signatures whose key was garbage-collected while they were in flight', () => {
      // In a child process with --expose-gc: nothing in JS holds the imported key once sign() is
      // called (the callbacks do not close over it), and gc() runs while the threadpool still
      // works; the addon's own reference must keep the key alive until each signature is done.
      const script = `
        const { createRequire } = require('node:module');
        const { verify } = require('node:crypto');
        const addon = require(${JSON.stringify(ADDON_PATH)});
        const { privateKey, publicKey } = ${P384_PAIR_EXPRESSION};
        const jwk = privateKey.export({ format: 'jwk' });
        const bytes = (text) => Buffer.from(text, 'base64url');
        // Large inputs keep the threadpool busy (hashing) long enough for collections to happen.
        const input = (i) => Buffer.alloc(4 << 20, 'input ' + i);
        const results = [];
        const start = (i) => addon.sign(addon.importKey(bytes(jwk.d), bytes(jwk.x), bytes(jwk.y)),
          input(i), (error, signature) => results.push({ i, error, signature }));
        for (let i = 0; i < 32; i++) start(i);
        const collect = () => {
          globalThis.gc();
          if (results.length < 32) return setImmediate(collect);
          const ok = results.every(({ i, error, signature }) => !error &&
            verify('sha384', input(i), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature));
          process.stdout.write(ok ? 'all verified' : 'BAD SIGNATURE');
        };
        collect();
      `;

      const result = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
        encoding: 'utf8',
        timeout: 30_000,
      });

      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('all verified');
    });

    it('reports the Nettle version it runs on', () => {
      expect(addon().nettleVersion).toMatch(/^\d+\.\d+$/);
    });
  });
});

describe('chooseSigningBackend', () => {
  const unavailable = () => {
    throw new Error('the Nettle signer is not built (test)');
  };
  const broken = (): Es384Backend => ({
    name: 'nettle',
    description: 'broken (test)',
    signerFor: () => ({ sign: async () => Buffer.alloc(96, 1) }),
  });

  it('SIGNER=openssl: OpenSSL, without looking for Nettle', async () => {
    const backend = await chooseSigningBackend('openssl', new RecordingLogger(), unavailable);

    expect(backend).toMatchObject({ name: 'openssl', description: opensslSigningBackend.description });
  });

  it.skipIf(nettle === undefined)('SIGNER=auto: Nettle when it is built', async () => {
    const backend = await chooseSigningBackend('auto', new RecordingLogger(), () =>
      loadNettleSigningBackend(ADDON_PATH),
    );

    expect(backend.name).toBe('nettle');
  });

  it('SIGNER=auto: OpenSSL when Nettle is unavailable, and says why', async () => {
    const logger = new RecordingLogger();

    const backend = await chooseSigningBackend('auto', logger, unavailable);

    expect(backend).toMatchObject({ name: 'openssl', description: opensslSigningBackend.description });
    expect(logger.entries).toContainEqual({
      level: 'warn',
      fields: { reason: 'the Nettle signer is not built (test)' },
      message:
        'signing with OpenSSL (node:crypto), several times the CPU a token: the Nettle signer is not available',
    });
  });

  it('SIGNER=auto: OpenSSL when Nettle fails its self-test', async () => {
    const logger = new RecordingLogger();

    const backend = await chooseSigningBackend('auto', logger, broken);

    expect(backend).toMatchObject({ name: 'openssl', description: opensslSigningBackend.description });
    expect(logger.entries[0]?.fields['reason']).toBe(
      'the nettle signer failed its self-test: OpenSSL does not verify its signature',
    );
  });

  it('SIGNER=nettle: refuses to start without a working Nettle signer', async () => {
    await expect(chooseSigningBackend('nettle', new RecordingLogger(), unavailable)).rejects.toThrow(
      'SIGNER=nettle, but the Nettle signer is not built (test)',
    );
    await expect(chooseSigningBackend('nettle', new RecordingLogger(), broken)).rejects.toThrow(
      'SIGNER=nettle, but the nettle signer failed its self-test',
    );
  });
});
