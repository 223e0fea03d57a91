import {
  algorithmLists,
  hmacKeyLengths,
  keySpecInfo,
  macAlgorithmFor,
  messageTypesFor,
  rsaPlaintextLimit,
  signingDigestLength,
} from './key-specs';

describe(keySpecInfo.name, () => {
  const sut = keySpecInfo;

  it.each([
    ['SYMMETRIC_DEFAULT', 'symmetric', ['ENCRYPT_DECRYPT']],
    ['RSA_3072', 'rsa', ['ENCRYPT_DECRYPT', 'SIGN_VERIFY']],
    ['ECC_NIST_P384', 'ecc', ['SIGN_VERIFY', 'KEY_AGREEMENT']],
    ['ECC_SECG_P256K1', 'ecc', ['SIGN_VERIFY']],
    ['ECC_NIST_EDWARDS25519', 'ed25519', ['SIGN_VERIFY']],
    ['ML_DSA_65', 'ml-dsa', ['SIGN_VERIFY']],
    ['HMAC_384', 'hmac', ['GENERATE_VERIFY_MAC']],
  ])('describes %s', (spec, family, usages) => {
    expect(sut(spec)).toEqual({ spec, family, usages });
  });

  it.each(['SM2', 'RSA_1024', '', 'toString', '__proto__'])('knows nothing of %j', (spec) => {
    expect(sut(spec)).toBeUndefined();
  });
});

describe(algorithmLists.name, () => {
  const sut = algorithmLists;

  it('lists exactly the member DescribeKey shows', () => {
    expect(sut('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT')).toEqual({ EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] });
    expect(sut('RSA_2048', 'ENCRYPT_DECRYPT')).toEqual({ EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] });
    expect(sut('RSA_4096', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: [
        'RSASSA_PKCS1_V1_5_SHA_256',
        'RSASSA_PKCS1_V1_5_SHA_384',
        'RSASSA_PKCS1_V1_5_SHA_512',
        'RSASSA_PSS_SHA_256',
        'RSASSA_PSS_SHA_384',
        'RSASSA_PSS_SHA_512',
      ],
    });
    expect(sut('ECC_NIST_P521', 'SIGN_VERIFY')).toEqual({ SigningAlgorithms: ['ECDSA_SHA_512'] });
    expect(sut('ECC_SECG_P256K1', 'SIGN_VERIFY')).toEqual({ SigningAlgorithms: ['ECDSA_SHA_256'] });
    expect(sut('ECC_NIST_P256', 'KEY_AGREEMENT')).toEqual({ KeyAgreementAlgorithms: ['ECDH'] });
    expect(sut('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY')).toEqual({ SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] });
    expect(sut('ML_DSA_87', 'SIGN_VERIFY')).toEqual({ SigningAlgorithms: ['ML_DSA_SHAKE_256'] });
    expect(sut('HMAC_224', 'GENERATE_VERIFY_MAC')).toEqual({ MacAlgorithms: ['HMAC_SHA_224'] });
  });

  it('hands out copies the caller may change', () => {
    sut('RSA_2048', 'ENCRYPT_DECRYPT').EncryptionAlgorithms!.pop();

    expect(sut('RSA_2048', 'ENCRYPT_DECRYPT').EncryptionAlgorithms).toHaveLength(2);
  });

  it.each([
    ['SYMMETRIC_DEFAULT', 'GENERATE_VERIFY_MAC'],
    ['ECC_SECG_P256K1', 'KEY_AGREEMENT'],
    ['RSA_2048', 'KEY_AGREEMENT'],
    ['HMAC_256', 'SIGN_VERIFY'],
  ] as const)('refuses %s with %s', (spec, usage) => {
    expect(() => sut(spec, usage)).toThrow(RangeError);
  });
});

describe(rsaPlaintextLimit.name, () => {
  it.each([
    ['RSA_2048', 214, 190],
    ['RSA_3072', 342, 318],
    ['RSA_4096', 470, 446],
  ] as const)('%s takes %i bytes with SHA-1, %i with SHA-256', (spec, sha1, sha256) => {
    expect(rsaPlaintextLimit(spec, 'RSAES_OAEP_SHA_1')).toBe(sha1);
    expect(rsaPlaintextLimit(spec, 'RSAES_OAEP_SHA_256')).toBe(sha256);
  });
});

describe(signingDigestLength.name, () => {
  it.each([
    ['RSASSA_PKCS1_V1_5_SHA_256', 32],
    ['RSASSA_PSS_SHA_384', 48],
    ['ECDSA_SHA_512', 64],
    ['ED25519_PH_SHA_512', 64],
    ['ED25519_SHA_512', undefined],
    ['ML_DSA_SHAKE_256', undefined],
    ['SYMMETRIC_DEFAULT', undefined],
    ['constructor', undefined],
  ])('%s → %p', (algorithm, length) => {
    expect(signingDigestLength(algorithm)).toBe(length);
  });
});

describe(messageTypesFor.name, () => {
  it.each([
    ['ED25519_SHA_512', ['RAW']],
    ['ED25519_PH_SHA_512', ['DIGEST']],
    ['ML_DSA_SHAKE_256', ['RAW', 'EXTERNAL_MU']],
    ['RSASSA_PSS_SHA_256', ['RAW', 'DIGEST']],
    ['ECDSA_SHA_256', ['RAW', 'DIGEST']],
    ['HMAC_SHA_256', []],
  ])('%s → %p', (algorithm, types) => {
    expect(messageTypesFor(algorithm)).toEqual(types);
  });
});

describe(hmacKeyLengths.name, () => {
  it.each([
    ['HMAC_224', { generated: 28, min: 28, max: 64 }],
    ['HMAC_256', { generated: 32, min: 32, max: 64 }],
    ['HMAC_384', { generated: 48, min: 48, max: 128 }],
    ['HMAC_512', { generated: 64, min: 64, max: 128 }],
  ] as const)('%s → %p', (spec, lengths) => {
    expect(hmacKeyLengths(spec)).toEqual(lengths);
  });

  it('refuses a non-HMAC spec', () => {
    expect(() => hmacKeyLengths('RSA_2048')).toThrow(RangeError);
  });
});

describe(macAlgorithmFor.name, () => {
  it('names the one MAC algorithm of each HMAC spec', () => {
    expect(macAlgorithmFor('HMAC_256')).toBe('HMAC_SHA_256');
    expect(macAlgorithmFor('HMAC_512')).toBe('HMAC_SHA_512');
    expect(() => macAlgorithmFor('SYMMETRIC_DEFAULT')).toThrow(RangeError);
  });
});
