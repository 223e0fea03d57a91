import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ClusterError } from './cluster-error';
import { dataLayout } from './paths';

/**
 * `<data>/<region>/replication-key.json` (mode 0600): the Region's private replication keys. X25519
 * is what other Regions seal key material to (ECDH); Ed25519 is what this Region signs its
 * replication messages with. PEM, PKCS#8. This file layout is the contract with the node's
 * replicator (TRENT_REPLICATION_KEY_FILE); the launcher does not import it, it only writes it.
 */
export interface ReplicationKeyFile {
  readonly region: string;
  readonly sealingPrivateKey: string;
  readonly signingPrivateKey: string;
}

/**
 * `<data>/replication-trust.json`: each Region's public keys (SPKI PEM), which a destination
 * checks signatures against and a source seals to (TRENT_REPLICATION_TRUST_FILE).
 */
export interface ReplicationTrustFile {
  readonly regions: Record<string, { readonly sealingPublicKey: string; readonly signingPublicKey: string }>;
}

/**
 * The Region's key file: read when present (and checked), generated when missing. Returns its
 * public half. A damaged file stops the start: replacing it would silently make every Region
 * distrust this one's messages.
 */
export function ensureReplicationKey(dataDir: string, region: string): { sealing: KeyObject; signing: KeyObject; created: boolean } {
  const file = dataLayout.replicationKeyFile(dataDir, region);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ClusterError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (text === undefined) {
    const sealing = generateKeyPairSync('x25519');
    const signing = generateKeyPairSync('ed25519');
    const key: ReplicationKeyFile = {
      region,
      sealingPrivateKey: sealing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      signingPrivateKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    // 'wx': never overwrite a key another process wrote in the meantime.
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // The umask could have taken bits off 0600; never added any.
    return { sealing: sealing.publicKey, signing: signing.publicKey, created: true };
  }
  return { ...readReplicationKey(file, region), created: false };
}

/** The public halves of a key file, after checking its Region and key types. */
export function readReplicationKey(file: string, region: string): { sealing: KeyObject; signing: KeyObject } {
  const damaged = (why: string): ClusterError =>
    new ClusterError(`${file} is damaged (${why}); restore it from a backup, or remove it to give ${region} new replication keys that no other Region has seen yet`);
  let json: Partial<ReplicationKeyFile>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Partial<ReplicationKeyFile>;
  } catch (err) {
    throw damaged((err as Error).message);
  }
  if (json.region !== region) throw damaged(`it belongs to Region ${String(json.region)}`);
  const privateKey = (pem: unknown, type: 'x25519' | 'ed25519', field: string): KeyObject => {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: String(pem), format: 'pem' });
    } catch (err) {
      throw damaged(`${field}: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType !== type) throw damaged(`${field} is a ${key.asymmetricKeyType} key, not ${type}`);
    return key;
  };
  return {
    sealing: createPublicKey(privateKey(json.sealingPrivateKey, 'x25519', 'sealingPrivateKey')),
    signing: createPublicKey(privateKey(json.signingPrivateKey, 'ed25519', 'signingPrivateKey')),
  };
}

/**
 * Makes sure every Region of `regions` has its key file, then (re)writes the trust file with all
 * their public keys, so a Region added to the topology is trusted from its first start. Returns
 * the Regions whose keys were just created.
 */
export function prepareReplicationKeys(dataDir: string, regions: readonly string[]): string[] {
  const created: string[] = [];
  const trust: ReplicationTrustFile = { regions: {} };
  for (const region of regions) {
    const keys = ensureReplicationKey(dataDir, region);
    if (keys.created) created.push(region);
    trust.regions[region] = {
      sealingPublicKey: keys.sealing.export({ type: 'spki', format: 'pem' }).toString(),
      signingPublicKey: keys.signing.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }
  const file = dataLayout.replicationTrustFile(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(trust, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, file);
  return created;
}
