/**
 * SHA-256 (FIPS 180-4) of a string's UTF-16 code units, big-endian: the digest the token check compares.
 *
 * Why not node:crypto: loading it took a third of this package's start-up, and a Fetch-API runtime may not have
 * it at all. Why code units rather than UTF-8: every distinct string hashes distinct input (UTF-8 would turn
 * any lone surrogate into the same U+FFFD), and there is nothing to encode. The tests check every digest
 * against node:crypto's over the same bytes.
 */
export function sha256OfCodeUnits(text: string, digest: Int32Array = new Int32Array(8)): Int32Array {
  const words = padded(text);
  digest.set(INITIAL_HASH);
  for (let offset = 0; offset < wordCount(text.length); offset += 16) compress(digest, words, offset);
  return digest;
}

/** Digests compared in full, in time that does not depend on where (or whether) they differ. */
export function sameDigest(a: Int32Array, b: Int32Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i += 1) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

// First 32 bits of the fractional parts of the square roots (initial hash) and cube roots (round constants)
// of the first 8 and 64 primes.
const INITIAL_HASH = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const ROUND_CONSTANTS = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

/** Reused between calls (the check is synchronous), so hashing a token allocates nothing. */
let message = new Int32Array(64);
const schedule = new Int32Array(64);

/** 16-bit code units two to a word, then 0x80, zeros, and the length in bits: whole 64-byte blocks. */
function wordCount(codeUnits: number): number {
  // 2 bytes per unit, 1 for the 0x80 marker, 8 for the length, rounded up to 64-byte blocks of 16 words.
  return Math.ceil((2 * codeUnits + 9) / 64) * 16;
}

function padded(text: string): Int32Array {
  const count = wordCount(text.length);
  if (message.length < count) message = new Int32Array(count);
  message.fill(0, 0, count);
  const units = text.length;
  for (let i = 0; i + 1 < units; i += 2) message[i >> 1] = (text.charCodeAt(i) << 16) | text.charCodeAt(i + 1);
  // An odd count leaves the marker in the low half of the last word; an even one starts a word with it.
  message[units >> 1] = units % 2 === 1 ? (text.charCodeAt(units - 1) << 16) | 0x8000 : 0x80000000 | 0;
  const bits = units * 16;
  message[count - 2] = Math.floor(bits / 2 ** 32);
  message[count - 1] = bits >>> 0;
  return message;
}

function compress(hash: Int32Array, words: Int32Array, offset: number): void {
  const w = schedule;
  for (let t = 0; t < 16; t += 1) w[t] = words[offset + t] as number;
  for (let t = 16; t < 64; t += 1) {
    const w15 = w[t - 15] as number;
    const w2 = w[t - 2] as number;
    const s0 = rotate(w15, 7) ^ rotate(w15, 18) ^ (w15 >>> 3);
    const s1 = rotate(w2, 17) ^ rotate(w2, 19) ^ (w2 >>> 10);
    w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
  }
  let a = hash[0] as number;
  let b = hash[1] as number;
  let c = hash[2] as number;
  let d = hash[3] as number;
  let e = hash[4] as number;
  let f = hash[5] as number;
  let g = hash[6] as number;
  let h = hash[7] as number;
  for (let t = 0; t < 64; t += 1) {
    const t1 = (h + (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) + ((e & f) ^ (~e & g)) + (ROUND_CONSTANTS[t] as number) + (w[t] as number)) | 0;
    const t2 = ((rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  hash[0] = ((hash[0] as number) + a) | 0;
  hash[1] = ((hash[1] as number) + b) | 0;
  hash[2] = ((hash[2] as number) + c) | 0;
  hash[3] = ((hash[3] as number) + d) | 0;
  hash[4] = ((hash[4] as number) + e) | 0;
  hash[5] = ((hash[5] as number) + f) | 0;
  hash[6] = ((hash[6] as number) + g) | 0;
  hash[7] = ((hash[7] as number) + h) | 0;
}

function rotate(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}
