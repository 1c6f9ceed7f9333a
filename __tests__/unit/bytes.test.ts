import { parseByteSize } from '../../src/core/bytes';

describe('parseByteSize', () => {
  it.each([
    [1024, 1024],
    ['1mb', 1048576],
    ['2MB', 2097152],
    ['512kb', 524288],
    ['1.5mb', 1572864],
    ['100', 100],
    ['64 b', 64],
    ['1gb', 1073741824],
  ])('reads %p as %p bytes', (input, bytes) => {
    expect(parseByteSize(input, 'limit')).toBe(bytes);
  });

  it.each([['1tb'], ['mb'], [''], ['-1mb'], [0], [1.5], ['0.1b']])('refuses %p with a TypeError naming the option', (input) => {
    expect(() => parseByteSize(input, 'myFactory: limit')).toThrow(new TypeError("myFactory: limit must be a positive whole number of bytes or a size like '2mb'"));
  });
});
