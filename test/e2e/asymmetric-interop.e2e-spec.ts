import {
  CreateKeyCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  EncryptionAlgorithmSpec,
  GenerateDataKeyPairCommand,
  KeyMetadata,
  KMSClient,
  KeySpec,
  KeyUsageType,
  MessageType,
  SignCommand,
  SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { ed25519ph } from '@noble/curves/ed25519';
import * as mlDsa from '@noble/post-quantum/ml-dsa';
import { constants, createHash, createPublicKey, KeyObject, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { TrentNode } from '../support/trent-node';
import { caseName, createKeys, digestOf, hashOf, messageAs, ML_DSA, mlDsaMu, OpensslWorkdir, parseSpki, publicKeyDer, SIGNING_CASES, tampered } from './asymmetric-helpers';
import { utf8 } from './e2e-helpers';

jest.setTimeout(30_000);

/**
 * Trent's asymmetric results checked outside Trent, from nothing but GetPublicKey's DER: signatures
 * verified by node:crypto, by the openssl 3.0 command line and (Ed25519ph, ML-DSA, which OpenSSL 3.0
 * lacks) by @noble; ciphertexts made by openssl and node:crypto decrypted by Trent; ECDH secrets
 * derived by openssl; data key pairs read by openssl. A MAC cannot be checked outside without
 * knowing the key, which only the import suite does.
 */
describe('asymmetric interoperability (e2e)', () => {
  let node: TrentNode;
  let kms: KMSClient;
  let keys: Map<string, KeyMetadata>;
  let work: OpensslWorkdir;

  const keyOf = (spec: KeySpec, usage: KeyUsageType): KeyMetadata => keys.get(caseName(spec, usage))!;
  const sign = async (spec: KeySpec, algorithm: SigningAlgorithmSpec, message: Uint8Array, messageType: MessageType): Promise<Buffer> =>
    Buffer.from((await kms.send(new SignCommand({ KeyId: keyOf(spec, 'SIGN_VERIFY').KeyId, Message: message, MessageType: messageType, SigningAlgorithm: algorithm }))).Signature!);

  beforeAll(async () => {
    node = await TrentNode.start({ region: 'ap-southeast-2' });
    kms = node.client();
    work = new OpensslWorkdir();
    keys = await createKeys(kms, [
      ...(['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'] as KeySpec[]).map(
        (spec) => ({ spec, usage: 'SIGN_VERIFY' as KeyUsageType }),
      ),
      ...(['RSA_2048', 'RSA_3072'] as KeySpec[]).map((spec) => ({ spec, usage: 'ENCRYPT_DECRYPT' as KeyUsageType })),
      ...(['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as KeySpec[]).map((spec) => ({ spec, usage: 'KEY_AGREEMENT' as KeyUsageType })),
    ]);
  }, 60_000);

  afterAll(async () => {
    work?.dispose();
    kms?.destroy();
    await node?.dispose();
  });

  describe('RSA and ECDSA signatures', () => {
    const CASES = SIGNING_CASES.filter(([spec]) => spec.startsWith('RSA_') || spec.startsWith('ECC_NIST_P') || spec === 'ECC_SECG_P256K1');

    it.each(CASES)('should make %s %s signatures, of the message and of its digest, that node:crypto and openssl verify', async (spec, algorithm) => {
      const der = await publicKeyDer(kms, keyOf(spec, 'SIGN_VERIFY').KeyId!);
      const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
      const pss = algorithm.startsWith('RSASSA_PSS_');
      const hash = hashOf(algorithm);
      const message = utf8(`checked outside Trent: ${spec} ${algorithm}`);
      const name = `${spec}-${algorithm}`;
      const pubDer = work.write(`${name}.pub.der`, der);
      const pubPem = `${name}.pub.pem`;
      work.run(['pkey', '-pubin', '-inform', 'DER', '-in', pubDer, '-out', pubPem]);
      const msgFile = work.write(`${name}.msg`, message);
      const digestFile = work.write(`${name}.digest`, digestOf(algorithm, message));
      const padding = pss ? ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'] : [];
      const byNode = (signature: Buffer): boolean =>
        nodeVerify(hash, message, pss ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : { key: publicKey, dsaEncoding: 'der' }, signature);
      const byPkeyutl = (signature: Buffer): boolean =>
        work.verifies(['pkeyutl', '-verify', '-pubin', '-inkey', pubDer, '-keyform', 'DER', '-in', digestFile, '-sigfile', work.write(`${name}.sig`, signature), '-pkeyopt', `digest:${hash}`, ...padding.flatMap((o) => ['-pkeyopt', o])]);
      const byDgst = (signature: Buffer): boolean =>
        work.verifies(['dgst', `-${hash}`, '-verify', pubPem, '-signature', work.write(`${name}.sig`, signature), ...padding.flatMap((o) => ['-sigopt', o]), msgFile]);

      for (const messageType of ['RAW', 'DIGEST'] as MessageType[]) {
        const signature = await sign(spec, algorithm, messageAs(messageType, algorithm, message), messageType);

        expect({ messageType, node: byNode(signature), pkeyutl: byPkeyutl(signature), dgst: byDgst(signature) }).toEqual({ messageType, node: true, pkeyutl: true, dgst: true });
        const forged = tampered(signature);
        expect({ messageType, node: byNode(forged), pkeyutl: byPkeyutl(forged) }).toEqual({ messageType, node: false, pkeyutl: false });
      }
    });
  });

  describe('Ed25519 signatures', () => {
    let publicKey: KeyObject;
    let pubDer: string;
    const message = utf8('an Edwards curve message, signed whole');

    beforeAll(async () => {
      const der = await publicKeyDer(kms, keyOf('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY').KeyId!);
      publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
      pubDer = work.write('ed25519.pub.der', der);
    });

    it('should make ED25519_SHA_512 signatures (RFC 8032 pure Ed25519) that node:crypto and openssl verify', async () => {
      const signature = await sign('ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', message, 'RAW');
      const byOpenssl = (sig: Buffer) =>
        work.verifies(['pkeyutl', '-verify', '-pubin', '-inkey', pubDer, '-keyform', 'DER', '-rawin', '-in', work.write('ed25519.msg', message), '-sigfile', work.write('ed25519.sig', sig)]);

      expect(signature).toHaveLength(64);
      expect(nodeVerify(null, message, publicKey, signature)).toBe(true);
      expect(byOpenssl(signature)).toBe(true);
      expect(nodeVerify(null, message, publicKey, tampered(signature))).toBe(false);
      expect(byOpenssl(tampered(signature))).toBe(false);
    });

    it('should make ED25519_PH_SHA_512 signatures of a SHA-512 digest that Ed25519ph verifies with that digest as its message', async () => {
      // OpenSSL 3.0 has no Ed25519ph. AWS takes the 64-byte digest and applies Ed25519ph's own SHA-512 prehash to it.
      const digest = createHash('sha512').update(message).digest();
      const raw = parseSpki(publicKey.export({ format: 'der', type: 'spki' })).key;

      const signature = await sign('ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', digest, 'DIGEST');

      expect(signature).toHaveLength(64);
      expect(ed25519ph.verify(signature, digest, raw)).toBe(true);
      expect(ed25519ph.verify(tampered(signature), digest, raw)).toBe(false);
      expect(ed25519ph.verify(signature, message, raw)).toBe(false); // the digest was not taken as PH(M) itself
      expect(nodeVerify(null, digest, publicKey, signature)).toBe(false);
    });
  });

  describe('ML-DSA signatures', () => {
    it.each(['ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'] as KeySpec[])('should make %s signatures, of the message and of its external mu, that @noble/post-quantum verifies', async (spec) => {
      const { oid, publicKeyLength, noble } = ML_DSA[spec]!;
      const spki = parseSpki(await publicKeyDer(kms, keyOf(spec, 'SIGN_VERIFY').KeyId!));
      expect({ oid: spki.oid, length: spki.key.length }).toEqual({ oid, length: publicKeyLength });
      const dsa = mlDsa[noble];
      const message = utf8(`a lattice-signed message for ${spec}`);
      const mu = mlDsaMu(spki.key, message);
      // noble's internal verify takes µ itself when its fourth argument (externalMu) is true; its type omits that argument.
      const verifyMu = dsa.internal.verify as (publicKey: Uint8Array, mu: Uint8Array, signature: Uint8Array, externalMu: boolean) => boolean;

      for (const messageType of ['RAW', 'EXTERNAL_MU'] as MessageType[]) {
        const signature = await sign(spec, 'ML_DSA_SHAKE_256', messageType === 'RAW' ? message : mu, messageType);

        expect({ messageType, pure: dsa.verify(spki.key, message, signature), mu: verifyMu(spki.key, mu, signature, true) }).toEqual({
          messageType,
          pure: true,
          mu: true,
        });
        expect({ messageType, forged: dsa.verify(spki.key, message, tampered(signature)), other: dsa.verify(spki.key, utf8('other'), signature) }).toEqual({
          messageType,
          forged: false,
          other: false,
        });
      }
    });
  });

  describe('RSA encryption made outside Trent', () => {
    const decrypt = async (spec: KeySpec, blob: Uint8Array, algorithm: EncryptionAlgorithmSpec): Promise<Buffer> =>
      Buffer.from((await kms.send(new DecryptCommand({ KeyId: keyOf(spec, 'ENCRYPT_DECRYPT').KeyId, CiphertextBlob: blob, EncryptionAlgorithm: algorithm }))).Plaintext!);

    it.each([
      ['RSA_2048', 'RSAES_OAEP_SHA_256', 'sha256'],
      ['RSA_2048', 'RSAES_OAEP_SHA_1', 'sha1'],
      ['RSA_3072', 'RSAES_OAEP_SHA_256', 'sha256'],
      ['RSA_3072', 'RSAES_OAEP_SHA_1', 'sha1'],
    ] as [KeySpec, EncryptionAlgorithmSpec, string][])('should decrypt what openssl encrypted to the %s public key with %s', async (spec, algorithm, md) => {
      const pubDer = work.write(`${spec}.enc.pub.der`, await publicKeyDer(kms, keyOf(spec, 'ENCRYPT_DECRYPT').KeyId!));
      const plaintext = randomBytes(100);
      const input = work.write(`${spec}-${md}.plain`, plaintext);

      const blob = work.run([
        'pkeyutl', '-encrypt', '-pubin', '-inkey', pubDer, '-keyform', 'DER', '-in', input,
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`,
      ]);

      expect((await decrypt(spec, blob, algorithm)).equals(plaintext)).toBe(true);
    });

    it.each([
      ['RSA_2048', 'RSAES_OAEP_SHA_256', 'sha256', 190],
      ['RSA_2048', 'RSAES_OAEP_SHA_1', 'sha1', 214],
      ['RSA_3072', 'RSAES_OAEP_SHA_256', 'sha256', 318],
    ] as [KeySpec, EncryptionAlgorithmSpec, string, number][])('should decrypt what node:crypto encrypted to the %s public key with %s, at the %s limit of %i bytes', async (spec, algorithm, oaepHash, limit) => {
      const publicKey = createPublicKey({ key: await publicKeyDer(kms, keyOf(spec, 'ENCRYPT_DECRYPT').KeyId!), format: 'der', type: 'spki' });
      const plaintext = randomBytes(limit);

      const blob = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);

      expect((await decrypt(spec, blob, algorithm)).equals(plaintext)).toBe(true);
    });
  });

  describe('ECDH with openssl as the peer', () => {
    it.each([
      ['ECC_NIST_P256', 'P-256'],
      ['ECC_NIST_P384', 'P-384'],
      ['ECC_NIST_P521', 'P-521'],
    ] as [KeySpec, string][])('should derive the %s secret openssl derives from the other side', async (spec, curve) => {
      const key = keyOf(spec, 'KEY_AGREEMENT');
      const trentDer = work.write(`${spec}.agree.pub.der`, await publicKeyDer(kms, key.KeyId!));
      const trentPem = `${spec}.agree.pub.pem`;
      const peerPem = `${spec}.peer.pem`;
      work.run(['pkey', '-pubin', '-inform', 'DER', '-in', trentDer, '-out', trentPem]);
      work.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-pkeyopt', 'ec_param_enc:named_curve', '-out', peerPem]);
      const peerPublic = work.run(['pkey', '-in', peerPem, '-pubout', '-outform', 'DER']);

      const res = await kms.send(new DeriveSharedSecretCommand({ KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peerPublic }));

      const openssl = work.run(['pkeyutl', '-derive', '-inkey', peerPem, '-peerkey', trentPem]);
      expect(openssl.length).toBeGreaterThan(0);
      expect(Buffer.from(res.SharedSecret!).toString('hex')).toBe(openssl.toString('hex'));
    });
  });

  describe('data key pairs read by openssl', () => {
    let symmetricKeyId: string;

    beforeAll(async () => {
      symmetricKeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    });

    it.each(['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'])(
      'should give a %s PKCS#8 private key from which openssl derives the returned public key',
      async (spec) => {
        const res = await kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetricKeyId, KeyPairSpec: spec as never }));
        const privateDer = work.write(`${spec}.pair.der`, res.PrivateKeyPlaintext!);

        const derived = work.run(['pkey', '-inform', 'DER', '-in', privateDer, '-pubout', '-outform', 'DER']);

        expect(derived.toString('hex')).toBe(Buffer.from(res.PublicKey!).toString('hex'));
        expect(work.run(['pkey', '-inform', 'DER', '-in', privateDer, '-noout', '-check']).toString()).toContain('Key is valid');
      },
    );
  });
});
