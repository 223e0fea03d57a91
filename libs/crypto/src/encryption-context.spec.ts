import { canonicalEncryptionContext } from './encryption-context';

describe(canonicalEncryptionContext.name, () => {
  const sut = canonicalEncryptionContext;

  it('encodes undefined and {} as the empty buffer', () => {
    expect(sut(undefined)).toHaveLength(0);
    expect(sut({})).toHaveLength(0);
  });

  it('ignores the order of entries', () => {
    expect(sut({ a: '1', b: '2', c: '3' })).toEqual(sut({ c: '3', a: '1', b: '2' }));
  });

  it('is case-sensitive in keys and values', () => {
    expect(sut({ Key: 'v' })).not.toEqual(sut({ key: 'v' }));
    expect(sut({ key: 'V' })).not.toEqual(sut({ key: 'v' }));
  });

  it('is unambiguous where plain concatenation would not be', () => {
    expect(sut({ a: 'bc' })).not.toEqual(sut({ ab: 'c' }));
    expect(sut({ a: '', b: '' })).not.toEqual(sut({ ab: '' }));
    expect(sut({ a: 'b' })).not.toEqual(sut({}));
  });

  it('writes length-prefixed UTF-8 entries sorted by key bytes', () => {
    // Sorting by UTF-16 code units would put U+FF21 after U+1F600; by UTF-8 bytes (EF.. < F0..) it comes first.
    const encoded = sut({ '\u{1F600}': 'x', '\uFF21': 'y' });

    expect(encoded.toString('hex')).toBe(
      ['00000003', 'efbca1', '00000001', '79', '00000004', 'f09f9880', '00000001', '78'].join(''),
    );
  });

  it('refuses an unpaired surrogate, which UTF-8 encoding would silently merge with others', () => {
    expect(() => sut({ k: '\uD800' })).toThrow(TypeError);
    expect(() => sut({ '\uDC00': 'v' })).toThrow(TypeError);
  });

  it('refuses a non-string value', () => {
    expect(() => sut({ k: 1 as unknown as string })).toThrow(TypeError);
  });
});
