import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sameDigest, sha256OfCodeUnits } from '../../src/core/sha256';

/** node:crypto's SHA-256 over the same bytes: the string's UTF-16 code units, big-endian. */
function reference(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf16le').swap16()).digest('hex');
}

/** Any 16-bit code unit, so lone surrogates occur (fast-check's 'binary' strings are well-formed). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

function hex(digest: Int32Array): string {
  return Buffer.from(Int32Array.from(digest).buffer).swap32().toString('hex');
}

describe('sha256OfCodeUnits', () => {
  it('matches node:crypto for every length across the block boundaries (0 to 200 code units)', () => {
    for (let length = 0; length <= 200; length += 1) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(0x20 + ((i * 7) % 95))).join('');
      expect(hex(sha256OfCodeUnits(text))).toBe(reference(text));
    }
  });

  it('matches node:crypto for any string, lone surrogates and astral characters included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: anyCodeUnit, maxLength: 300 })), (text) => hex(sha256OfCodeUnits(text)) === reference(text)),
      { numRuns: 2000 },
    );
  });

  it('gives the published digest of the empty message', () => {
    expect(hex(sha256OfCodeUnits(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('tells apart strings that UTF-8 would make equal (two different lone surrogates)', () => {
    expect(hex(sha256OfCodeUnits('\uD800'))).not.toBe(hex(sha256OfCodeUnits('\uD801')));
  });

  it('hashes a long string after a short one correctly (the scratch space grows and is cleared)', () => {
    const long = 'token-'.repeat(500);
    expect(hex(sha256OfCodeUnits('a'))).toBe(reference('a'));
    expect(hex(sha256OfCodeUnits(long))).toBe(reference(long));
    expect(hex(sha256OfCodeUnits('b'))).toBe(reference('b'));
  });
});

describe('sameDigest', () => {
  it('is true for equal digests and false when any word differs', () => {
    const digest = sha256OfCodeUnits('secret');
    expect(sameDigest(sha256OfCodeUnits('secret'), digest)).toBe(true);
    for (let word = 0; word < 8; word += 1) {
      const other = Int32Array.from(digest);
      other[word] = (other[word] as number) ^ 1;
      expect(sameDigest(other, digest)).toBe(false);
    }
  });
});
