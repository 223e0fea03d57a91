import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa';
import { DerError, encodePkcs8, encodeSequence, encodeTlv, parseSpki, TAG } from './der';
import {
  ML_DSA_PARAMS,
  MlDsaSpec,
  mlDsaExpandedPkcs8,
  mlDsaPublicKeyFromExpanded,
  mlDsaSeedPkcs8,
  mlDsaSpki,
  parseMlDsaPkcs8,
} from './ml-dsa-keys';

const NOBLE = { ML_DSA_44: ml_dsa44, ML_DSA_65: ml_dsa65, ML_DSA_87: ml_dsa87 };
const SPECS = Object.keys(NOBLE) as MlDsaSpec[];
const seed = Buffer.alloc(32, 0x42);

describe(mlDsaPublicKeyFromExpanded.name, () => {
  const sut = mlDsaPublicKeyFromExpanded;

  it.each(SPECS)('derives the public key noble derives from the seed (%s)', (spec) => {
    const { publicKey, secretKey } = NOBLE[spec].keygen(seed);

    expect(sut(spec, secretKey)).toEqual(Buffer.from(publicKey));
  });

  it.each(SPECS)('refuses an expanded key whose parts do not belong together (%s)', (spec) => {
    const { secretKey } = NOBLE[spec].keygen(seed);
    const flipped = (at: number): Uint8Array => {
      const copy = Uint8Array.from(secretKey);
      copy[at] ^= 1;
      return copy;
    };

    expect(sut(spec, flipped(0))).toBeUndefined(); // rho
    expect(sut(spec, flipped(100))).toBeUndefined(); // tr
    expect(sut(spec, flipped(200))).toBeUndefined(); // s1
    expect(sut(spec, flipped(secretKey.length - 1))).toBeUndefined(); // t0
    expect(sut(spec, secretKey.subarray(1))).toBeUndefined();
  });

  it('refuses an expanded key of another parameter set', () => {
    expect(sut('ML_DSA_87', ml_dsa44.keygen(seed).secretKey)).toBeUndefined();
  });
});

describe(parseMlDsaPkcs8.name, () => {
  const sut = parseMlDsaPkcs8;
  const { secretKey } = ml_dsa65.keygen(seed);
  const oid = ML_DSA_PARAMS.ML_DSA_65.oid;

  it('reads the seed form Trent writes', () => {
    expect(sut(mlDsaSeedPkcs8('ML_DSA_65', seed))).toEqual({ spec: 'ML_DSA_65', key: { seed } });
  });

  it('writes the seed form as RFC 9881 shows it: [0] IMPLICIT, 0x80 0x20', () => {
    const der = mlDsaSeedPkcs8('ML_DSA_44', seed);

    expect(der.subarray(0, 22).toString('hex')).toBe('3034020100300b060960864801650304031104228020');
    expect(der).toHaveLength(54);
  });

  it('reads the expandedKey and both forms', () => {
    expect(sut(mlDsaExpandedPkcs8('ML_DSA_65', secretKey)).key).toEqual({ expanded: Buffer.from(secretKey) });
    const both = encodePkcs8(oid, encodeSequence(encodeTlv(TAG.OCTET_STRING, seed), encodeTlv(TAG.OCTET_STRING, secretKey)));
    expect(sut(both).key).toEqual({ seed, expanded: Buffer.from(secretKey) });
  });

  it('names the parameter set of the OID', () => {
    expect(sut(mlDsaSeedPkcs8('ML_DSA_87', seed)).spec).toBe('ML_DSA_87');
  });

  it.each([
    ['a short seed', encodePkcs8(oid, encodeTlv(TAG.CONTEXT_0, seed.subarray(1)))],
    ['a short expanded key', encodePkcs8(oid, encodeTlv(TAG.OCTET_STRING, secretKey.subarray(1)))],
    ['an unknown form', encodePkcs8(oid, encodeTlv(0x81, seed))],
    ['trailing bytes in the private key', encodePkcs8(oid, Buffer.concat([encodeTlv(TAG.CONTEXT_0, seed), Buffer.from([0])]))],
    ['another algorithm', encodePkcs8('1.3.101.112', encodeTlv(TAG.OCTET_STRING, seed))],
    ['garbage', Buffer.from('not a key')],
  ])('throws DerError for %s', (_, der) => {
    expect(() => sut(der)).toThrow(DerError);
  });
});

describe(mlDsaSpki.name, () => {
  it('is SEQUENCE { SEQUENCE { OID }, BIT STRING } with the raw public key', () => {
    const { publicKey } = ml_dsa44.keygen(seed);

    const spki = mlDsaSpki('ML_DSA_44', publicKey);

    expect(parseSpki(spki)).toEqual({ algorithm: { oid: '2.16.840.1.101.3.4.3.17' }, publicKey: Buffer.from(publicKey) });
    expect(spki.subarray(0, 22).toString('hex')).toBe('30820532300b06096086480165030403110382052100');
  });
});
