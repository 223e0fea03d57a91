import { createHash, createPublicKey, publicEncrypt, constants } from 'node:crypto';
import { KmsError } from '@trent/protocol';
import { deliverAll, LocalRegion } from '../testing/local-region';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const EU = 'eu-west-1';
const ALL = [EAST, WEST, EU];

/** Three Regions in memory; every message delivered on `deliver()`. */
function world() {
  const regions = new Map(ALL.map((name) => [name, new LocalRegion(name, ALL)]));
  return { at: (name: string) => regions.get(name)!, deliver: () => deliverAll(regions) };
}

/** A multi-Region primary of `spec` in us-east-1 with replicas in the other two Regions. */
async function replicated(w: ReturnType<typeof world>, input: Record<string, unknown>): Promise<string> {
  const { KeyMetadata } = await w.at(EAST).call('CreateKey', { MultiRegion: true, ...input });
  for (const r of [WEST, EU]) await w.at(EAST).call('ReplicateKey', { KeyId: KeyMetadata.KeyId, ReplicaRegion: r });
  await w.deliver();
  return KeyMetadata.KeyId;
}

/**
 * Related multi-Region keys of every spec share their key material: an asymmetric key pair, an
 * HMAC key. What one Region signs, MACs or encrypts, every other verifies or decrypts.
 */
describe('multi-Region keys of every key spec', () => {
  const message = Buffer.from('signed in one Region, verified in another');

  it.each(['ECC_NIST_P256', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44', 'RSA_2048'])('should share a %s key pair: same public key, signatures verify across Regions', async (spec) => {
    const w = world();
    const id = await replicated(w, { KeySpec: spec, KeyUsage: 'SIGN_VERIFY' });
    const keys = await Promise.all(ALL.map((r) => w.at(r).call('GetPublicKey', { KeyId: id })));
    for (const k of keys) expect(Buffer.from(k.PublicKey).equals(Buffer.from(keys[0].PublicKey))).toBe(true);
    const described = (await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata;
    expect(described).toMatchObject({ KeyState: 'Enabled', KeySpec: spec, KeyUsage: 'SIGN_VERIFY' });
    expect(described.CurrentKeyMaterialId).toBeUndefined();

    const algorithm = described.SigningAlgorithms[0];
    const { Signature } = await w.at(WEST).call('Sign', { KeyId: id, Message: message, SigningAlgorithm: algorithm });
    const verified = await w.at(EU).call('Verify', { KeyId: id, Message: message, Signature, SigningAlgorithm: algorithm });
    expect(verified.SignatureValid).toBe(true);
    const again = await w.at(EAST).call('Verify', { KeyId: id, Message: message, Signature, SigningAlgorithm: algorithm });
    expect(again.SignatureValid).toBe(true);
  });

  it('should share an RSA encryption key pair: what the public key encrypts, any Region decrypts', async () => {
    const w = world();
    const id = await replicated(w, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const { PublicKey } = await w.at(EAST).call('GetPublicKey', { KeyId: id });
    const outside = publicEncrypt(
      { key: createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('made outside'),
    );
    for (const r of ALL) {
      const { Plaintext, EncryptionAlgorithm } = await w.at(r).call('Decrypt', { KeyId: id, CiphertextBlob: outside, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
      expect(Buffer.from(Plaintext).toString()).toBe('made outside');
      expect(EncryptionAlgorithm).toBe('RSAES_OAEP_SHA_256');
    }
    const { CiphertextBlob } = await w.at(WEST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('west'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
    const back = await w.at(EU).call('Decrypt', { KeyId: id, CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
    expect(Buffer.from(back.Plaintext).toString()).toBe('west');
  });

  it('should share an HMAC key: every Region computes the same MAC', async () => {
    const w = world();
    const id = await replicated(w, { KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const macs = await Promise.all(ALL.map((r) => w.at(r).call('GenerateMac', { KeyId: id, Message: message, MacAlgorithm: 'HMAC_SHA_384' })));
    for (const m of macs) expect(Buffer.from(m.Mac).equals(Buffer.from(macs[0].Mac))).toBe(true);
    expect(Buffer.from(macs[0].Mac)).toHaveLength(48);
    const verified = await w.at(EU).call('VerifyMac', { KeyId: id, Message: message, MacAlgorithm: 'HMAC_SHA_384', Mac: macs[1].Mac });
    expect(verified.MacValid).toBe(true);
  });

  it('should keep the key pair through UpdatePrimaryRegion', async () => {
    const w = world();
    const id = await replicated(w, { KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' });
    const before = (await w.at(EAST).call('GetPublicKey', { KeyId: id })).PublicKey;
    await w.at(EAST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: WEST });
    await w.deliver();
    expect((await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType).toBe('PRIMARY');
    const digest = createHash('sha384').update(message).digest();
    const { Signature } = await w.at(WEST).call('Sign', { KeyId: id, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_384' });
    expect((await w.at(EAST).call('Verify', { KeyId: id, Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_384' })).SignatureValid).toBe(true);
    expect(Buffer.from((await w.at(EU).call('GetPublicKey', { KeyId: id })).PublicKey).equals(Buffer.from(before))).toBe(true);
  });

  it('should refuse a multi-Region key with imported material (not built yet) and leave no key behind', async () => {
    const w = world();
    const err = await w
      .at(EAST)
      .call('CreateKey', { MultiRegion: true, Origin: 'EXTERNAL' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(KmsError);
    expect((err as KmsError).code).toBe('UnsupportedOperationException');
    expect((await w.at(EAST).call('ListKeys', {})).Keys).toEqual([]);
  });
});
