import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  decodeOid,
  DerError,
  encodeOid,
  encodePkcs8,
  encodeSmallInteger,
  encodeSpki,
  encodeTlv,
  parsePkcs8,
  parseSpki,
  readTlv,
  readWhole,
  TAG,
} from './der';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe(readTlv.name, () => {
  const sut = readTlv;

  it('reads short and long definite lengths', () => {
    expect(sut(hex('04 02 aabb'))).toMatchObject({ tag: 4, start: 0, end: 4, content: hex('aabb') });
    const long = Buffer.concat([hex('04 81 80'), Buffer.alloc(0x80, 7)]);
    expect(sut(long).content).toHaveLength(0x80);
  });

  it.each([
    ['truncated header', '04'],
    ['truncated content', '04 03 aabb'],
    ['indefinite length', '30 80 0000'],
    ['non-minimal long form', '04 81 01 aa'],
    ['leading zero length byte', '04 82 0001 aa'],
    ['multi-byte tag', '1f 81 01 00'],
  ])('rejects %s', (_, bytes) => {
    expect(() => sut(hex(bytes))).toThrow(DerError);
  });

  it('never throws anything but DerError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          sut(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(DerError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe(readWhole.name, () => {
  it('rejects trailing bytes and the wrong tag', () => {
    expect(() => readWhole(hex('04 01 aa 00'), TAG.OCTET_STRING)).toThrow('trailing');
    expect(() => readWhole(hex('04 01 aa'), TAG.SEQUENCE)).toThrow('expected tag');
  });
});

describe(encodeTlv.name, () => {
  const sut = encodeTlv;

  it.each([0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000])('round-trips a %i-byte value through readTlv', (n) => {
    const content = Buffer.alloc(n, 0x5a);
    const der = sut(TAG.OCTET_STRING, content);

    expect(readWhole(der, TAG.OCTET_STRING)).toEqual(content);
  });
});

describe(encodeSmallInteger.name, () => {
  it.each([
    [0, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'],
    [256, '02020100'],
  ])('encodes %i as %s', (n, expected) => {
    expect(encodeSmallInteger(n).toString('hex')).toBe(expected);
  });
});

describe(encodeOid.name, () => {
  const sut = encodeOid;

  it.each([
    ['2.16.840.1.101.3.4.3.17', '0609608648016503040311'],
    ['1.2.840.10045.2.1', '06072a8648ce3d0201'],
    ['1.2.840.10045.3.1.7', '06082a8648ce3d030107'],
    ['1.3.132.0.10', '06052b8104000a'],
    ['1.3.101.112', '06032b6570'],
  ])('encodes %s as the bytes OpenSSL writes', (oid, expected) => {
    expect(sut(oid).toString('hex')).toBe(expected);
    expect(decodeOid(readWhole(sut(oid), TAG.OID))).toBe(oid);
  });

  it('round-trips arbitrary OIDs', () => {
    const arc = fc.bigInt({ min: 0n, max: 2n ** 64n });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 8 }), (a, b, rest) => {
        const oid = [a, b, ...rest].join('.');
        expect(decodeOid(readWhole(sut(oid), TAG.OID))).toBe(oid);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects malformed dotted forms', () => {
    expect(() => sut('1')).toThrow(RangeError);
    expect(() => sut('1.40')).toThrow(RangeError);
    expect(() => sut('1.02')).toThrow(RangeError);
  });
});

describe(decodeOid.name, () => {
  it('rejects non-minimal and truncated sub-identifiers', () => {
    expect(() => decodeOid(hex('2a 80 01'))).toThrow(DerError);
    expect(() => decodeOid(hex('2a 86'))).toThrow(DerError);
    expect(() => decodeOid(Buffer.alloc(0))).toThrow(DerError);
  });
});

describe(parseSpki.name, () => {
  const sut = parseSpki;

  it('reads what OpenSSL writes for an EC key: algorithm, curve parameter and point', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ format: 'der', type: 'spki' });

    const spki = sut(der);

    expect(spki.algorithm.oid).toBe('1.2.840.10045.2.1');
    expect(decodeOid(readWhole(spki.algorithm.parameters!, TAG.OID))).toBe('1.2.840.10045.3.1.7');
    expect(spki.publicKey).toHaveLength(65);
    expect(spki.publicKey[0]).toBe(4);
  });

  it('round-trips encodeSpki, which OpenSSL reads for an Ed25519 key', () => {
    const raw = Buffer.alloc(32, 9);
    const der = encodeSpki('1.3.101.112', raw);

    expect(sut(der)).toEqual({ algorithm: { oid: '1.3.101.112' }, publicKey: raw });
    expect(createPublicKey({ key: der, format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ed25519');
  });

  it('rejects a BIT STRING with unused bits', () => {
    const der = Buffer.from(encodeSpki('1.3.101.112', Buffer.alloc(32)));
    der[der.length - 33] = 1;

    expect(() => sut(der)).toThrow(DerError);
  });
});

describe(parsePkcs8.name, () => {
  const sut = parsePkcs8;

  it('round-trips encodePkcs8', () => {
    const key = Buffer.from([0x80, 0x20, ...Buffer.alloc(32, 1)]);

    expect(sut(encodePkcs8('2.16.840.1.101.3.4.3.18', key))).toEqual({ algorithm: { oid: '2.16.840.1.101.3.4.3.18' }, privateKey: key, extra: [] });
  });

  it('reads what OpenSSL writes for an Ed25519 key', () => {
    const { privateKey } = generateKeyPairSync('ed25519');

    const info = sut(privateKey.export({ format: 'der', type: 'pkcs8' }));

    expect(info.algorithm.oid).toBe('1.3.101.112');
    expect(info.privateKey.subarray(0, 2).toString('hex')).toBe('0420');
  });

  it('hands back trailing attributes or public key unparsed', () => {
    const withAttributes = encodeTlv(TAG.SEQUENCE, Buffer.concat([hex('020101'), hex('3005 0603 2b6570'), hex('0400'), hex('a000')]));

    expect(sut(withAttributes).extra).toMatchObject([{ tag: 0xa0 }]);
  });

  it('rejects garbage and a wrong version', () => {
    expect(() => sut(hex('3000'))).toThrow(DerError);
    expect(() => sut(hex('300d 020102 3005 0603 2b6570 0400'))).toThrow(DerError);
  });
});
