import { Sha256Js } from '@smithy/core/checksum';
import { deriveSigningKey, SigningKeyCache } from './signing-key-cache';

async function referenceSigningKeyHex(secret: string, date: string, region: string, service: string): Promise<string> {
  let key: string | Uint8Array = `AWS4${secret}`;
  for (const part of [date, region, service, 'aws4_request']) {
    const hmac: Sha256Js = new Sha256Js(key);
    hmac.update(new TextEncoder().encode(part));
    key = await hmac.digest();
  }
  return Buffer.from(key as Uint8Array).toString('hex');
}

function keyHex(key: ReturnType<typeof deriveSigningKey>): string {
  return key.export().toString('hex');
}

describe(SigningKeyCache.name, () => {
  it('should derive the signing key of the AWS documentation example', () => {
    // "Examples of how to derive a signing key for Signature Version 4", AWS General Reference.
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
    expect(keyHex(key)).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it("should derive the same key as the AWS SDK's pure-JS HMAC", async () => {
    const sut = new SigningKeyCache();
    const key = sut.signingKey('s3cr3t/+=', '20250514', 'eu-west-1', 'kms');
    expect(keyHex(key)).toBe(await referenceSigningKeyHex('s3cr3t/+=', '20250514', 'eu-west-1', 'kms'));
  });

  it('should hand back the cached key on a second request', () => {
    const sut = new SigningKeyCache();
    const first = sut.signingKey('secret', '20250514', 'eu-west-1', 'kms');
    expect(sut.signingKey('secret', '20250514', 'eu-west-1', 'kms')).toBe(first);
    expect(sut.size).toBe(1);
  });

  it('should keep keys apart by secret, date, region and service', () => {
    const sut = new SigningKeyCache();
    const keys = [
      sut.signingKey('a', '20250514', 'eu-west-1', 'kms'),
      sut.signingKey('b', '20250514', 'eu-west-1', 'kms'),
      sut.signingKey('a', '20250515', 'eu-west-1', 'kms'),
      sut.signingKey('a', '20250514', 'eu-west-2', 'kms'),
      sut.signingKey('a', '20250514', 'eu-west-1', 'sqs'),
    ];
    expect(new Set(keys.map(keyHex)).size).toBe(5);
    expect(sut.size).toBe(5);
  });

  it('should never hold more than its capacity and drop the least recently used first', () => {
    const sut = new SigningKeyCache(3);
    for (let day = 10; day < 30; day++) {
      sut.signingKey('secret', `202505${day}`, 'eu-west-1', 'kms');
      expect(sut.size).toBeLessThanOrEqual(3);
    }
    const hot = sut.signingKey('secret', '20250527', 'eu-west-1', 'kms'); // oldest of the three left
    sut.signingKey('secret', '20250601', 'eu-west-1', 'kms'); // evicts 20250528, not the key just used

    expect(sut.signingKey('secret', '20250527', 'eu-west-1', 'kms')).toBe(hot);
    expect(sut.size).toBe(3);
  });

  it('should refuse a capacity below one', () => {
    expect(() => new SigningKeyCache(0)).toThrow(RangeError);
  });
});
