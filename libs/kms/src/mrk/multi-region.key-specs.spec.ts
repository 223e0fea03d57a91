import { constants, createHash, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { deliverAll, importMaterial, kmsError, LocalRegion } from '../testing/local-region';

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

  describe('with imported key material', () => {
    const importInto = (w: ReturnType<typeof world>, region: string, keyId: string, material: Buffer, extra: Record<string, unknown> = {}) =>
      importMaterial(w.at(region), keyId, material, extra);
    const state = async (w: ReturnType<typeof world>, region: string, id: string) => (await w.at(region).call('DescribeKey', { KeyId: id })).KeyMetadata.KeyState;

    it('should replicate without the material: each replica is PendingImport until the same material is imported there', async () => {
      const w = world();
      const { KeyMetadata } = await w.at(EAST).call('CreateKey', { MultiRegion: true, Origin: 'EXTERNAL' });
      const id = KeyMetadata.KeyId;
      expect(KeyMetadata.KeyState).toBe('PendingImport');
      expect((await kmsError(w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST }))).message).toMatch(/is pending import\.$/);

      const material = randomBytes(32);
      await importInto(w, EAST, id, material);
      await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
      await w.deliver();
      const west = (await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata;
      expect(west).toMatchObject({ KeyState: 'PendingImport', Origin: 'EXTERNAL', MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA' } });
      const { CiphertextBlob } = await w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('from the east') });
      expect((await kmsError(w.at(WEST).call('Decrypt', { CiphertextBlob }))).message).toMatch(/is pending import\.$/);

      expect((await kmsError(importInto(w, WEST, id, randomBytes(32)))).code).toBe('IncorrectKeyMaterialException');
      await importInto(w, WEST, id, material);
      expect(await state(w, WEST, id)).toBe('Enabled');
      expect(Buffer.from((await w.at(WEST).call('Decrypt', { CiphertextBlob })).Plaintext).toString()).toBe('from the east');
      const [east, westAfter] = await Promise.all([EAST, WEST].map((r) => w.at(r).call('DescribeKey', { KeyId: id })));
      expect(westAfter.KeyMetadata.CurrentKeyMaterialId).toBe(east.KeyMetadata.CurrentKeyMaterialId);
      await w.deliver();
      expect(await state(w, WEST, id)).toBe('Enabled');
    });

    it('should rotate to new imported material only once every replica has it imported', async () => {
      const w = world();
      const id = (await w.at(EAST).call('CreateKey', { MultiRegion: true, Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
      const first = randomBytes(32);
      const second = randomBytes(32);
      await importInto(w, EAST, id, first);
      await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
      await w.deliver();
      await importInto(w, WEST, id, first);
      const { CiphertextBlob: old } = await w.at(WEST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('old') });

      const added = await importInto(w, EAST, id, second, { ImportType: 'NEW_KEY_MATERIAL' });
      await w.deliver();
      const listed = (await w.at(EAST).call('ListKeyRotations', { KeyId: id, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations;
      expect(listed.map((r: any) => r.KeyMaterialState)).toEqual(['CURRENT', 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION']);
      expect((await kmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }))).message).toMatch(/PENDING_MULTI_REGION_IMPORT_AND_ROTATION/);
      expect((await kmsError(importInto(w, WEST, id, second, { ImportType: 'NEW_KEY_MATERIAL' }))).code).toBe('UnsupportedOperationException');

      await importInto(w, WEST, id, second);
      expect(await state(w, WEST, id)).toBe('Enabled');
      // The primary learns what the replica imported when it asks (the first attempt asks).
      await kmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }));
      await w.deliver();
      await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id });
      await w.deliver();

      for (const r of [EAST, WEST]) {
        const { CiphertextBlob } = await w.at(r).call('Encrypt', { KeyId: id, Plaintext: Buffer.from(r) });
        const other = r === EAST ? WEST : EAST;
        const opened = await w.at(other).call('Decrypt', { CiphertextBlob });
        expect(opened.KeyMaterialId).toBe(added.KeyMaterialId);
        expect(Buffer.from((await w.at(r).call('Decrypt', { CiphertextBlob: old })).Plaintext).toString()).toBe('old');
      }
    });

    /** An imported primary in us-east-1 with `first` imported, replicated to us-west-2, imported there too. */
    async function importedPair(w: ReturnType<typeof world>): Promise<{ id: string; first: Buffer }> {
      const id = (await w.at(EAST).call('CreateKey', { MultiRegion: true, Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
      const first = randomBytes(32);
      await importInto(w, EAST, id, first);
      await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
      await w.deliver();
      await importInto(w, WEST, id, first);
      return { id, first };
    }
    const materialOf = async (w: ReturnType<typeof world>, encryptIn: string, decryptIn: string, id: string) => {
      const { CiphertextBlob } = await w.at(encryptIn).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('probe') });
      return (await w.at(decryptIn).call('Decrypt', { CiphertextBlob })).KeyMaterialId;
    };

    it('should keep material waiting for rotation waiting when the primary moves: only RotateKeyOnDemand makes it current', async () => {
      const w = world();
      const { id } = await importedPair(w);
      const before = await materialOf(w, EAST, WEST, id);
      const second = randomBytes(32);
      await importInto(w, EAST, id, second, { ImportType: 'NEW_KEY_MATERIAL' });
      await w.deliver();
      await w.at(EAST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: WEST });
      await w.deliver();

      const listed = (await w.at(WEST).call('ListKeyRotations', { KeyId: id, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations;
      expect(listed.map((r: any) => [r.KeyMaterialState, r.ImportState])).toEqual([
        ['CURRENT', 'IMPORTED'],
        ['PENDING_ROTATION', 'PENDING_IMPORT'],
      ]);
      expect((await kmsError(w.at(WEST).call('RotateKeyOnDemand', { KeyId: id }))).message).toMatch(/waits for rotation but is not imported in this Region/);
      await importInto(w, WEST, id, second);
      await w.deliver();
      expect(await materialOf(w, WEST, EAST, id)).toBe(before);
      // us-east-1, now a replica, already told us-west-2 it holds the material.
      await w.at(WEST).call('RotateKeyOnDemand', { KeyId: id });
      await w.deliver();
      expect(await materialOf(w, WEST, EAST, id)).not.toBe(before);
      // The old primary saw the rotation too: nothing is waiting there any more.
      expect((await kmsError(w.at(WEST).call('RotateKeyOnDemand', { KeyId: id }))).message).toMatch(/no key material in PENDING_ROTATION state/);
    });

    it('should delete material waiting for rotation from every replica when the primary deletes it, and from none when a replica does', async () => {
      const w = world();
      const { id } = await importedPair(w);
      const before = await materialOf(w, EAST, WEST, id);
      const second = randomBytes(32);
      const added = await importInto(w, EAST, id, second, { ImportType: 'NEW_KEY_MATERIAL' });
      await w.deliver();
      await importInto(w, WEST, id, second);
      const pendingIn = async (region: string) =>
        (await w.at(region).call('ListKeyRotations', { KeyId: id, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations.map((r: any) => r.ImportState);
      expect(await pendingIn(WEST)).toEqual(['IMPORTED', 'IMPORTED']);

      // A replica deleting its own copy leaves the primary's alone.
      await w.at(WEST).call('DeleteImportedKeyMaterial', { KeyId: id, KeyMaterialId: added.KeyMaterialId });
      await w.deliver();
      expect(await pendingIn(EAST)).toEqual(['IMPORTED', 'IMPORTED']);
      await importInto(w, WEST, id, second);

      // The primary deleting it takes the replica's copy too; what is in use stays.
      await w.at(EAST).call('DeleteImportedKeyMaterial', { KeyId: id, KeyMaterialId: added.KeyMaterialId });
      await w.deliver();
      for (const r of [EAST, WEST]) {
        expect(await pendingIn(r)).toEqual(['IMPORTED', 'PENDING_IMPORT']);
        expect(await state(w, r, id)).toBe('Enabled');
      }
      expect(await materialOf(w, WEST, EAST, id)).toBe(before);
      const told = [
        await kmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id })),
        await kmsError(importInto(w, EAST, id, randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL' })),
      ];
      for (const { message } of told) expect(message).toMatch(new RegExp(`import it with ImportType EXISTING_KEY_MATERIAL and KeyMaterialId ${added.KeyMaterialId}`, 'i'));

      // Imported again in the primary only, it waits for the replica again.
      await importInto(w, EAST, id, second, { ImportType: 'EXISTING_KEY_MATERIAL', KeyMaterialId: added.KeyMaterialId });
      await w.deliver();
      await kmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }));
      await w.deliver();
      expect((await kmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }))).message).toMatch(/PENDING_MULTI_REGION_IMPORT_AND_ROTATION/);
      // A replica importing after it heard of the deletion keeps its copy.
      await importInto(w, WEST, id, second);
      await w.deliver();
      expect(await pendingIn(WEST)).toEqual(['IMPORTED', 'IMPORTED']);
      // The refused attempt's question reached us-west-2 after this import, so the primary knows.
      await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id });
      await w.deliver();
      expect(await materialOf(w, EAST, WEST, id)).toBe(added.KeyMaterialId);
    });

    it('should refuse to hand the primary role to a Region that lacks material in use, and never encrypt without it', async () => {
      const w = world();
      const { id } = await importedPair(w);
      const second = randomBytes(32);
      const added = await importInto(w, EAST, id, second, { ImportType: 'NEW_KEY_MATERIAL' });
      await w.deliver();
      await importInto(w, WEST, id, second);
      await kmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }));
      await w.deliver();
      await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id });
      // Before us-west-2 hears of the rotation, its copy of the new material goes.
      await w.at(WEST).call('DeleteImportedKeyMaterial', { KeyId: id, KeyMaterialId: added.KeyMaterialId });
      await w.at(EAST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: WEST });
      await w.deliver();

      expect((await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType).toBe('REPLICA');
      expect(await state(w, WEST, id)).toBe('PendingImport');
      expect((await kmsError(w.at(WEST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('x') }))).code).toBe('KMSInvalidStateException');
    });

    it('should share an imported ECC key pair once each Region has imported it', async () => {
      const w = world();
      const id = (await w.at(EAST).call('CreateKey', { MultiRegion: true, Origin: 'EXTERNAL', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
      await importInto(w, EAST, id, pkcs8);
      await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: EU });
      await w.deliver();
      expect((await kmsError(w.at(EU).call('GetPublicKey', { KeyId: id }))).message).toMatch(/is pending import\.$/);
      await importInto(w, EU, id, pkcs8);
      const { Signature } = await w.at(EU).call('Sign', { KeyId: id, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' });
      expect((await w.at(EAST).call('Verify', { KeyId: id, Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_256' })).SignatureValid).toBe(true);
      expect(Buffer.from((await w.at(EU).call('GetPublicKey', { KeyId: id })).PublicKey)).toEqual(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
    });
  });
});
