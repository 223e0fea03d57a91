import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { awsError, TrentNode } from '../support/trent-node';

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
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
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
});
