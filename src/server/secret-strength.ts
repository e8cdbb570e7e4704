import { deflateRawSync } from 'node:zlib';

/** SPEC §11: a production signing secret carries at least 256 bits of entropy. */
export const MIN_SECRET_BITS = 256;

/** Alphabets a generated secret is drawn from, smallest first: a secret is credited log2(size) bits per character. */
const ALPHABETS: readonly { name: string; size: number; pattern: RegExp }[] = [
  { name: 'digits', size: 10, pattern: /^[0-9]+$/ },
  { name: 'hex', size: 16, pattern: /^(?:[0-9a-f]+|[0-9A-F]+)$/ },
  { name: 'lowercase letters', size: 26, pattern: /^[a-z]+$/ },
  { name: 'letters and digits', size: 62, pattern: /^[A-Za-z0-9]+$/ },
  { name: 'base64', size: 64, pattern: /^[A-Za-z0-9+/_-]+$/ },
];
const PRINTABLE_ASCII = 95;

/**
 * Why `secret` cannot carry MIN_SECRET_BITS of entropy, or undefined when it can. An estimate, not a proof: the
 * length times the bits per character of the smallest alphabet it fits in is an upper bound for a random draw, and
 * two checks catch what is not random — too few distinct characters for its length (one repeated character,
 * 'abab…'), or a value that compresses below the bound (a word or pattern repeated). `openssl rand -base64 48` and
 * `openssl rand -hex 32` pass.
 */
export function secretStrengthProblem(secret: string): string | undefined {
  const unpadded = secret.replace(/=+$/, ''); // base64 padding carries nothing
  const characters = Array.from(unpadded);
  const alphabet = ALPHABETS.find(({ pattern }) => pattern.test(unpadded)) ?? { name: 'printable characters', size: PRINTABLE_ASCII };
  const bits = Math.floor(characters.length * Math.log2(alphabet.size));
  if (bits < MIN_SECRET_BITS) {
    return `is too short: ${characters.length} characters of ${alphabet.name} carry at most ${bits} bits of entropy, ${MIN_SECRET_BITS} are needed`;
  }
  // A random draw of n characters from an alphabet of k shows far more than min(k, n) / 3 distinct ones.
  const distinct = new Set(characters).size;
  if (distinct < Math.min(alphabet.size, characters.length) / 3) {
    return `is low-entropy: only ${distinct} distinct characters in ${characters.length} (a repeated character or pattern)`;
  }
  const compressedBits = deflateRawSync(secret, { level: 9 }).length * 8;
  if (compressedBits < MIN_SECRET_BITS) {
    return `is low-entropy: it compresses to ${compressedBits} bits (a repeated word or pattern)`;
  }
  return undefined;
}
