import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDataDirs, tempDataDir } from '../test-fixtures/fake-cluster';
import { ClusterError } from './cluster-error';
import { ensureReplicationKey, prepareReplicationKeys, type ReplicationKeyFile, type ReplicationTrustFile } from './replication-keys';

function dataWith(...regions: string[]): string {
  const dir = tempDataDir();
  for (const region of regions) mkdirSync(join(dir, region));
  return dir;
}

const readKey = (dir: string, region: string): ReplicationKeyFile =>
  JSON.parse(readFileSync(join(dir, region, 'replication-key.json'), 'utf8')) as ReplicationKeyFile;
const readTrust = (dir: string): ReplicationTrustFile => JSON.parse(readFileSync(join(dir, 'replication-trust.json'), 'utf8')) as ReplicationTrustFile;

describe(prepareReplicationKeys.name, () => {
  afterAll(removeTempDataDirs);

  it('should give each Region an X25519 sealing key and an Ed25519 signing key, PKCS#8 PEM, mode 0600', () => {
    const dir = dataWith('us-east-1', 'eu-west-1');

    const created = prepareReplicationKeys(dir, ['us-east-1', 'eu-west-1']);

    expect(created).toEqual(['us-east-1', 'eu-west-1']);
    for (const region of created) {
      const file = join(dir, region, 'replication-key.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readKey(dir, region);
      expect(Object.keys(key).sort()).toEqual(['region', 'sealingPrivateKey', 'signingPrivateKey']);
      expect(key.region).toBe(region);
      expect(key.sealingPrivateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(createPrivateKey(key.sealingPrivateKey).asymmetricKeyType).toBe('x25519');
      expect(createPrivateKey(key.signingPrivateKey).asymmetricKeyType).toBe('ed25519');
    }
  });

  it('should write the trust file with each Region\'s public keys (SPKI PEM) matching its private keys', () => {
    const dir = dataWith('us-east-1', 'eu-west-1');
    prepareReplicationKeys(dir, ['us-east-1', 'eu-west-1']);

    const trust = readTrust(dir);

    expect(Object.keys(trust.regions)).toEqual(['us-east-1', 'eu-west-1']);
    const east = readKey(dir, 'us-east-1');
    const eastTrust = trust.regions['us-east-1'];
    expect(eastTrust.signingPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const message = Buffer.from('replicate mrk-1234');
    const signature = sign(null, message, createPrivateKey(east.signingPrivateKey));
    expect(verify(null, message, createPublicKey(eastTrust.signingPublicKey), signature)).toBe(true);
    expect(createPublicKey(eastTrust.sealingPublicKey).asymmetricKeyType).toBe('x25519');
    // The sealing pair works for ECDH: both sides derive the same secret.
    const sender = generateKeyPairSync('x25519');
    const toEast = diffieHellman({ privateKey: sender.privateKey, publicKey: createPublicKey(eastTrust.sealingPublicKey) });
    const atEast = diffieHellman({ privateKey: createPrivateKey(east.sealingPrivateKey), publicKey: sender.publicKey });
    expect(toEast.equals(atEast)).toBe(true);
  });

  it('should keep existing keys and rewrite the trust file to take in a Region added later', () => {
    const dir = dataWith('us-east-1', 'eu-west-1');
    prepareReplicationKeys(dir, ['us-east-1']);
    const before = readKey(dir, 'us-east-1');
    const trustedBefore = readTrust(dir).regions['us-east-1'];

    const created = prepareReplicationKeys(dir, ['us-east-1', 'eu-west-1']);

    expect(created).toEqual(['eu-west-1']);
    expect(readKey(dir, 'us-east-1')).toEqual(before);
    expect(Object.keys(readTrust(dir).regions)).toEqual(['us-east-1', 'eu-west-1']);
    expect(readTrust(dir).regions['us-east-1']).toEqual(trustedBefore);
  });

  it.each([
    ['not JSON', (key: ReplicationKeyFile) => '{', /is damaged \(/],
    ['another Region\'s', (key: ReplicationKeyFile) => JSON.stringify({ ...key, region: 'eu-west-1' }), /it belongs to Region eu-west-1/],
    ['swapped keys', (key: ReplicationKeyFile) => JSON.stringify({ ...key, sealingPrivateKey: key.signingPrivateKey }), /sealingPrivateKey is a ed25519 key, not x25519/],
  ])('should refuse a key file that is %s, naming the file', (_, damage, message) => {
    const dir = dataWith('us-east-1');
    prepareReplicationKeys(dir, ['us-east-1']);
    const file = join(dir, 'us-east-1', 'replication-key.json');
    writeFileSync(file, damage(readKey(dir, 'us-east-1')));

    expect(() => ensureReplicationKey(dir, 'us-east-1')).toThrow(ClusterError);
    expect(() => ensureReplicationKey(dir, 'us-east-1')).toThrow(message);
    expect(() => ensureReplicationKey(dir, 'us-east-1')).toThrow(file);
  });
});
