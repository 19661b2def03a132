// Side-channel check of the Nettle signer (native/test/side-channel.c under valgrind's memcheck,
// the private scalar and every nonce byte marked undefined): passes when every report is a jump
// into __assert_fail inside libhogweed (Debian's Nettle keeps assert() on; such a branch always
// goes one way) and fails on anything else: a branch or memory index on a secret in es384_sign.c,
// in GMP, or in Nettle outside an assert. Then the control run (the key imported the old way,
// through GMP) must be caught, which shows the check sees secret-dependent branches at all.
//
//   node scripts/signer-assurance/side-channel.mjs <side-channel binary>
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binary = process.argv[2];
if (!binary) throw new Error('usage: side-channel.mjs <side-channel binary>');

/** Runs the harness under memcheck; returns its stdout and the reports (kind, stack of frames). */
function memcheck(args) {
  const dir = mkdtempSync(join(tmpdir(), 'es384-side-channel-'));
  try {
    const xml = join(dir, 'report.xml');
    const run = spawnSync('valgrind', ['-q', '--xml=yes', `--xml-file=${xml}`, binary, ...args], {
      encoding: 'utf8',
    });
    if (run.status !== 0)
      throw new Error(`side-channel ${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
    const errors = [...readFileSync(xml, 'utf8').matchAll(/<error>([\s\S]*?)<\/error>/g)].map(([, body]) => ({
      kind: /<kind>(.*?)<\/kind>/.exec(body)?.[1],
      frames: [...body.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map(([, frame]) => ({
        ip: BigInt(/<ip>(.*?)<\/ip>/.exec(frame)?.[1] ?? '0'),
        obj: /<obj>(.*?)<\/obj>/.exec(frame)?.[1] ?? '?',
        fn: /<fn>(.*?)<\/fn>/.exec(frame)?.[1] ?? '?',
      })),
    }));
    const base = /libhogweed \S+ at (0x[0-9a-f]+)/.exec(run.stdout)?.[1];
    if (!base) throw new Error(`side-channel did not say where libhogweed is: ${run.stdout}`);
    return { stdout: run.stdout, errors, hogweedBase: BigInt(base) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** libhogweed's instructions by offset: { text, next } (objdump, once). */
function disassemble(library) {
  const dump = spawnSync('objdump', ['-d', '--no-show-raw-insn', library], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (dump.status !== 0) throw new Error(`objdump ${library} failed: ${dump.stderr}`);
  const instructions = new Map();
  let previous;
  for (const line of dump.stdout.split('\n')) {
    const match = /^\s+([0-9a-f]+):\s+(.*)$/.exec(line);
    if (!match) continue;
    const offset = BigInt(`0x${match[1]}`);
    instructions.set(offset, { text: match[2].trim(), next: undefined });
    if (previous !== undefined) instructions.get(previous).next = offset;
    previous = offset;
  }
  return instructions;
}

/** True when the straight-line code from `offset` calls __assert_fail before any other jump. */
function reachesAssert(instructions, offset) {
  let at = offset;
  for (let step = 0; step < 12 && at !== undefined; step++) {
    const instruction = instructions.get(at);
    if (!instruction) return false;
    if (/^call\s.*<__assert_fail@plt>/.test(instruction.text)) return true;
    if (/^(j|ret|call)/.test(instruction.text)) return false;
    at = instruction.next;
  }
  return false;
}

/** Why a report is acceptable (a jump into an assert in libhogweed), or undefined. */
function assertJump(instructions, hogweedBase, error) {
  const top = error.frames[0];
  if (error.kind !== 'UninitCondition' || !top || !/libhogweed/.test(top.obj)) return undefined;
  const offset = top.ip - hogweedBase;
  const instruction = instructions.get(offset);
  const jump = instruction && /^j(?!mp)\w+\s+([0-9a-f]+)\s/.exec(instruction.text);
  if (!jump) return undefined;
  const target = BigInt(`0x${jump[1]}`);
  return reachesAssert(instructions, target) || reachesAssert(instructions, instruction.next)
    ? `${top.fn} (libhogweed+0x${offset.toString(16)})`
    : undefined;
}

const describe = (error) =>
  `${error.kind} at ${error.frames
    .slice(0, 4)
    .map((frame) => frame.fn)
    .join(' < ')}`;

const run = memcheck([]);
const library = run.errors
  .flatMap((error) => error.frames)
  .find((frame) => /libhogweed/.test(frame.obj))?.obj;
const instructions = library ? disassemble(library) : new Map();
const asserts = new Set();
const secretDependent = [];
for (const error of run.errors) {
  const site = assertJump(instructions, run.hogweedBase, error);
  if (site) asserts.add(site);
  else secretDependent.push(describe(error));
}
process.stdout.write(run.stdout);
console.log(
  `side-channel: ${run.errors.length} memcheck reports; ${run.errors.length - secretDependent.length} at ${asserts.size} assert() checks in libhogweed (${[...asserts].join(', ') || 'none'}); ${secretDependent.length} secret-dependent branches or indices`,
);

const control = memcheck(['--control']);
const caught = control.errors.filter((error) => !assertJump(instructions, control.hogweedBase, error));
console.log(
  `side-channel control (key imported through GMP): ${caught.length} secret-dependent reports, e.g. ${caught.slice(0, 2).map(describe).join('; ') || 'none'}`,
);

if (secretDependent.length > 0) {
  console.error(`side-channel: FAILED:\n  ${secretDependent.join('\n  ')}`);
  process.exit(1);
}
if (caught.length === 0) {
  console.error('side-channel: FAILED: the control run was not caught, so the check cannot be trusted');
  process.exit(1);
}
console.log('side-channel: passed');
