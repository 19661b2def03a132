// Part of `npm run build`: compiles the Nettle signer (native/*.c, see binding.gyp) with node-gyp into
// native/build/Release/nettle_es384.node. It is optional: where no C compiler, Python (for
// node-gyp) or Nettle's headers are installed, this prints why and exits 0, and the service signs
// with OpenSSL (node:crypto) instead, several times slower (see README, "Performance").
//
// Skipped when the addon is newer than its sources (`npm start` runs the build before each start); a failed
// build leaves no addon behind, so a stale one never runs.
//
// node-gyp is the copy npm ships (npm names it in npm_config_node_gyp for every script). Node's
// headers come from the running Node's own include/ folder when it has one (nodejs.org tarballs,
// the official images), so nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = fileURLToPath(new URL('../native/', import.meta.url));
const nodeGyp =
  process.env.npm_config_node_gyp ??
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
const prefix = join(dirname(process.execPath), '..');
const nodedir =
  process.env.npm_config_nodedir ??
  (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);

const skip = (reason) => {
  process.stderr.write(
    `build-native: the Nettle signer is not built: ${reason}\n` +
      'build-native: tokens will be signed with OpenSSL (node:crypto), several times slower; to build it, install a C compiler, python3 and Nettle (Debian/Ubuntu: apt-get install build-essential python3 nettle-dev; macOS: brew install nettle pkg-config) and run npm run build\n',
  );
  process.exit(0);
};

const addon = join(native, 'build/Release/nettle_es384.node');
const sources = [
  ...['nettle_es384.c', 'es384_sign.c', 'es384_sign.h', 'binding.gyp'].map((file) => join(native, file)),
  fileURLToPath(import.meta.url),
];
if (existsSync(addon) && sources.every((source) => statSync(source).mtimeMs <= statSync(addon).mtimeMs)) {
  process.exit(0);
}

if (process.platform === 'win32') skip('Windows is not supported');
if (!existsSync(nodeGyp)) skip(`node-gyp not found (looked for ${nodeGyp})`);

const args = [nodeGyp, 'rebuild', '--loglevel=error', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: native, encoding: 'utf8' });
if (result.status !== 0) {
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n');
  const errors = output.filter((line) => /error|not found|No such file/i.test(line));
  skip(`node-gyp failed:\n  ${(errors.length > 0 ? errors : output).slice(0, 8).join('\n  ')}`);
}
