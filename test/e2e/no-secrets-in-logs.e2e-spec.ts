import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { awsError, TrentNode } from '../support/trent-node';
import { importInto, OpensslWorkdir, opensslPrivateKey, prepareImport } from './import-helpers';

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets stay out of logs and off disk', () => {
  let node: TrentNode;
  let kms: KMSClient;
  const secrets: Buffer[] = [];
  /** Key material brought from outside: what Trent must only ever hold wrapped. */
  const imported: Buffer[] = [];
  let work: OpensslWorkdir;

  /**
   * Known symmetric and HMAC material and an EC private key, imported and then used by every
   * operation they allow; refused imports too (different material, a tampered token).
   */
  async function useImportedMaterial(): Promise<void> {
    const message = Buffer.from('a message under imported keys');
    const symmetric = randomBytes(32);
    const symmetricKey = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    await importInto(kms, work, symmetricKey, symmetric);
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: symmetricKey, Plaintext: message }));
    await kms.send(new DecryptCommand({ CiphertextBlob }));
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: symmetricKey, KeySpec: 'AES_256' }));
    const refused = randomBytes(32);
    await awsError(() => importInto(kms, work, symmetricKey, refused));
    const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, symmetricKey, symmetric);
    ImportToken[ImportToken.length >> 1] ^= 1;
    await awsError(() => kms.send(new ImportKeyMaterialCommand({ KeyId: symmetricKey, ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })));

    const hmac = randomBytes(32);
    const hmacKey = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!.KeyId!;
    await importInto(kms, work, hmacKey, hmac);
    const { Mac } = await kms.send(new GenerateMacCommand({ KeyId: hmacKey, MacAlgorithm: 'HMAC_SHA_256', Message: message }));
    await kms.send(new VerifyMacCommand({ KeyId: hmacKey, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac }));
    await awsError(() => kms.send(new VerifyMacCommand({ KeyId: hmacKey, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac: randomBytes(32) })));

    const pkcs8 = opensslPrivateKey(work, 'P-256');
    const eccKey = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
    await importInto(kms, work, eccKey, pkcs8);
    const { Signature } = await kms.send(new SignCommand({ KeyId: eccKey, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    await kms.send(new VerifyCommand({ KeyId: eccKey, Message: message, SigningAlgorithm: 'ECDSA_SHA_256', Signature }));
    // The private scalar alone, as a JWK's d: a server might hold or print the key in that form.
    const scalar = Buffer.from(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).d!, 'base64url');

    imported.push(symmetric, refused, hmac, pkcs8, scalar, Buffer.from(dataKey.Plaintext!));
  }

  beforeAll(async () => {
    // The most verbose level: whatever the node can log, it logs here.
    node = await TrentNode.start({ env: { TRENT_LOG_LEVEL: 'trace' } });
    kms = node.client();
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const plaintext = Buffer.from(`plaintext-marker-${Date.now()}-do-not-log`);
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: { purpose: 'log-scan' } }));
    await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'log-scan' } }));
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    // Failures too: a wrong context, a tampered blob, and a request signed with the wrong secret.
    await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'other' } })));
    await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: Buffer.concat([CiphertextBlob!, Buffer.from([1])]) })));
    const wrong = node.client(node.region, { accessKeyId: 'test', secretAccessKey: 'not-the-secret' });
    await awsError(() => wrong.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext })));
    wrong.destroy();
    secrets.push(plaintext, Buffer.from(CiphertextBlob!), Buffer.from(dataKey.Plaintext!), Buffer.from(dataKey.CiphertextBlob!));
    work = new OpensslWorkdir();
    await useImportedMaterial();
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
    work?.remove();
  });

  it('should log neither plaintext, data keys, ciphertext nor the Authorization header', () => {
    const log = node.log();
    expect(log).toContain('node ready'); // the scan reads a real log
    for (const s of secrets) {
      expect(log).not.toContain(s.toString('base64'));
      expect(log).not.toContain(s.toString('hex'));
    }
    expect(log).not.toContain(secrets[0].toString('utf8'));
    expect(log).not.toMatch(/AWS4-HMAC-SHA256 Credential=/);
    expect(log).not.toMatch(/Signature=[0-9a-f]{64}/);
  });

  it('should write no plaintext or data key to the data directory', async () => {
    await node.stop('SIGTERM'); // flush LevelDB
    const files = filesUnder(node.dataRoot).filter((f) => !f.endsWith('.log') || f.includes('/node-1/'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const s of [secrets[0], secrets[2]]) {
        expect(bytes.includes(s)).toBe(false);
        expect(bytes.includes(Buffer.from(s.toString('base64')))).toBe(false);
      }
    }
  });

  it('should log no imported key material, raw, in base64 or in hex', () => {
    const log = readFileSync(node.logFile);
    expect(log.includes(Buffer.from('node ready'))).toBe(true);
    expect(imported).toHaveLength(6);
    for (const m of imported) {
      expect(log.includes(m)).toBe(false);
      expect(log.includes(Buffer.from(m.toString('base64')))).toBe(false);
      expect(log.includes(Buffer.from(m.toString('base64url')))).toBe(false);
      expect(log.includes(Buffer.from(m.toString('hex')))).toBe(false);
    }
  });

  it('should write no imported key material to the data directory, raw, in base64 or in hex', async () => {
    await node.stop('SIGTERM'); // flush LevelDB
    const files = filesUnder(node.dataRoot).filter((f) => !f.endsWith('.log') || f.includes('/node-1/'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const m of imported) {
        expect(bytes.includes(m)).toBe(false);
        expect(bytes.includes(Buffer.from(m.toString('base64')))).toBe(false);
        expect(bytes.includes(Buffer.from(m.toString('hex')))).toBe(false);
      }
    }
  });
});
