import { createHash } from 'node:crypto';

/** The order n of the P-384 group. */
export const P384_ORDER = BigInt(
  '0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
);
const BITS = 384;
/** How far from its expected value a statistic may be, in standard deviations: with 384 bit
 * positions and one byte test, a sound source fails about once in a million runs. */
const SIGMAS = 6;

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function inverse(value: bigint, modulus: bigint): bigint {
  let [a, b, x, y] = [((value % modulus) + modulus) % modulus, modulus, 1n, 0n];
  while (b !== 0n) {
    const quotient = a / b;
    [a, b, x, y] = [b, a - quotient * b, y, x - quotient * y];
  }
  if (a !== 1n) throw new Error('not invertible');
  return ((x % modulus) + modulus) % modulus;
}

/**
 * The nonce k of an ES384 signature R‖S over `input`, given the private scalar d:
 * k = s⁻¹ · (e + r·d) mod n, with e the SHA-384 digest (384 bits, so not truncated).
 */
export function recoverNonce(signature: Uint8Array, input: Uint8Array, d: Uint8Array): bigint {
  const r = toBigInt(signature.subarray(0, 48));
  const s = toBigInt(signature.subarray(48, 96));
  const e = toBigInt(createHash('sha384').update(input).digest());
  return (inverse(s, P384_ORDER) * ((e + r * toBigInt(d)) % P384_ORDER)) % P384_ORDER;
}

export interface NonceReport {
  count: number;
  repeated: number;
  outOfRange: number;
  /** The bit position whose share of ones is furthest from 1/2, in standard deviations. */
  worstBit: { position: number; ones: number; sigmas: number };
  /** χ² of the byte values of all nonces (255 degrees of freedom) and its distance from 255, in σ. */
  bytes: { chiSquare: number; sigmas: number };
  failures: string[];
}

/**
 * Tests nonces for what a broken random source shows: repeats, values outside 0 < k < n, a bit
 * position that is not set half the time, byte values that are too uneven or too even.
 */
export function nonceReport(nonces: readonly bigint[]): NonceReport {
  const count = nonces.length;
  const repeated = count - new Set(nonces).size;
  const outOfRange = nonces.filter((k) => k <= 0n || k >= P384_ORDER).length;
  const ones = new Array<number>(BITS).fill(0);
  const byteCounts = new Array<number>(256).fill(0);
  for (const k of nonces) {
    const hex = k.toString(16).padStart(BITS / 4, '0');
    for (let index = 0; index < BITS / 8; index++) {
      const byte = Number.parseInt(hex.slice(2 * index, 2 * index + 2), 16);
      byteCounts[byte] = (byteCounts[byte] ?? 0) + 1;
      for (let bit = 0; bit < 8; bit++) {
        if ((byte >> (7 - bit)) & 1) ones[index * 8 + bit] = (ones[index * 8 + bit] ?? 0) + 1;
      }
    }
  }
  const deviation = Math.sqrt(count / 4);
  const worstBit = ones
    .map((set, position) => ({ position, ones: set, sigmas: (set - count / 2) / deviation }))
    .reduce((worst, bit) => (Math.abs(bit.sigmas) > Math.abs(worst.sigmas) ? bit : worst));
  const expected = (count * (BITS / 8)) / 256;
  const chiSquare = byteCounts.reduce((sum, seen) => sum + (seen - expected) ** 2 / expected, 0);
  const bytes = { chiSquare, sigmas: (chiSquare - 255) / Math.sqrt(2 * 255) };

  const failures: string[] = [];
  if (repeated > 0) failures.push(`${repeated} repeated nonces`);
  if (outOfRange > 0) failures.push(`${outOfRange} nonces outside 0 < k < n`);
  if (Math.abs(worstBit.sigmas) > SIGMAS) {
    failures.push(
      `bit ${worstBit.position} is set in ${worstBit.ones} of ${count} nonces (${worstBit.sigmas.toFixed(1)} σ)`,
    );
  }
  if (Math.abs(bytes.sigmas) > SIGMAS) {
    failures.push(
      `byte values: χ² = ${chiSquare.toFixed(0)} for 255 degrees of freedom (${bytes.sigmas.toFixed(1)} σ)`,
    );
  }
  return { count, repeated, outOfRange, worstBit, bytes, failures };
}

export function describeReport(report: NonceReport): string {
  return (
    `${report.count} nonces: ${report.repeated} repeated, ${report.outOfRange} out of range; ` +
    `most uneven bit ${report.worstBit.position} (${report.worstBit.ones} ones, ${report.worstBit.sigmas.toFixed(2)} σ); ` +
    `byte χ² ${report.bytes.chiSquare.toFixed(1)} (255 expected, ${report.bytes.sigmas.toFixed(2)} σ); ` +
    (report.failures.length === 0 ? 'within bounds' : `FAILED: ${report.failures.join('; ')}`)
  );
}
