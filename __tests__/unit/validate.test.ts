import { MAX_DEPTH, validatePayload, type GeneratedValidator } from '../../src/core/validate';

const acceptsAnything: GeneratedValidator = () => true;
const TOO_DEEP = [{ path: '', message: `nests deeper than ${MAX_DEPTH} levels` }];

/** `levels` objects and arrays nested in one another, alternating, with a primitive inside the innermost. */
function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < levels; level += 1) value = level % 2 === 0 ? { child: value } : [0, value];
  return value;
}

describe('the nesting bound', () => {
  it(`accepts exactly ${MAX_DEPTH} levels of objects and arrays and refuses one more`, () => {
    expect(validatePayload(acceptsAnything, nested(MAX_DEPTH))).toEqual({ ok: true });
    expect(validatePayload(acceptsAnything, nested(MAX_DEPTH + 1))).toEqual({ ok: false, problems: TOO_DEEP });
  });

  it('finds the deep branch wherever it sits, after any number of shallow siblings', () => {
    const shallow = Array.from({ length: 50 }, (_, index) => ({ index, tags: ['a', 'b'] }));
    // The outer object and its array are two of the levels.
    expect(validatePayload(acceptsAnything, { items: [...shallow, nested(MAX_DEPTH - 1)] })).toEqual({ ok: false, problems: TOO_DEEP });
    expect(validatePayload(acceptsAnything, { items: [...shallow, nested(MAX_DEPTH - 2)] })).toEqual({ ok: true });
  });

  it('counts only objects and arrays, not the primitives inside them', () => {
    expect(validatePayload(acceptsAnything, { list: nested(MAX_DEPTH - 1) })).toEqual({ ok: true });
    expect(validatePayload(acceptsAnything, 'text')).toEqual({ ok: true });
    expect(validatePayload(acceptsAnything, null)).toEqual({ ok: true });
  });

  it('walks a structure far deeper than the bound without exhausting the stack', () => {
    expect(validatePayload(acceptsAnything, JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toEqual({ ok: false, problems: TOO_DEEP });
  });

  it('asks the schema only once the nesting is within bounds', () => {
    const validator = jest.fn(() => true);
    validatePayload(validator, nested(MAX_DEPTH + 1));
    expect(validator).not.toHaveBeenCalled();
  });
});
