import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** AWS-style Region names: `us-east-1`, `eu-west-1`, `ap-southeast-2`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** This Region's key file, exactly as the launcher writes it (JSON, mode 0600). */
export interface RegionKeyFile {
  region: string;
  /** PKCS#8 PEM, X25519: opens key material sealed to this Region. */
  sealingPrivateKey: string;
  /** PKCS#8 PEM, Ed25519: signs every message this Region sends. */
  signingPrivateKey: string;
}

/** One Region's entry in the trust file. */
export interface TrustEntry {
  /** SPKI PEM, X25519. */
  sealingPublicKey: string;
  /** SPKI PEM, Ed25519. */
  signingPublicKey: string;
}

/** The trust file shared by every Region: `{"regions":{"us-east-1":{...},"eu-west-1":{...}}}`. */
export interface TrustFile {
  regions: Record<string, TrustEntry>;
}

export interface TrustedRegion {
  sealingPublicKey: KeyObject;
  signingPublicKey: KeyObject;
}

/** A key file or trust file that cannot be used; the message names the file and the field, never key bytes. */
export class RegionKeysError extends Error {
  override readonly name = 'RegionKeysError';
}

export interface RegionKeyPaths {
  keyFile: string;
  trustFile: string;
}

/**
 * This Region's private keys and every trusted Region's public keys, validated once at start.
 * Invariant: the trust file lists this Region, with the public halves of this Region's private keys.
 */
export class RegionKeys {
  private constructor(
    readonly region: string,
    readonly sealingPrivateKey: KeyObject,
    readonly signingPrivateKey: KeyObject,
    private readonly trusted: ReadonlyMap<string, TrustedRegion>,
  ) {}

  /** Reads both files; refuses a key file that group or others may read. */
  static load(paths: RegionKeyPaths): RegionKeys {
    const mode = statOrThrow(paths.keyFile).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new RegionKeysError(`key file ${paths.keyFile}: mode ${mode.toString(8).padStart(4, '0')} lets others read it; expected 0600`);
    }
    return RegionKeys.from(readJson(paths.keyFile, 'key file'), readJson(paths.trustFile, 'trust file'), {
      keyFile: `key file ${paths.keyFile}`,
      trustFile: `trust file ${paths.trustFile}`,
    });
  }

  /** Validates already parsed files; `names` say which file an error is about. */
  static from(keyFile: unknown, trustFile: unknown, names = { keyFile: 'key file', trustFile: 'trust file' }): RegionKeys {
    const own = asObject(keyFile, names.keyFile);
    const region = field(own, 'region', names.keyFile);
    if (!REGION_PATTERN.test(region)) throw new RegionKeysError(`${names.keyFile}: field "region" is not a Region name (like us-east-1)`);
    const sealingPrivateKey = privateKey(own, 'sealingPrivateKey', 'x25519', names.keyFile);
    const signingPrivateKey = privateKey(own, 'signingPrivateKey', 'ed25519', names.keyFile);

    const trusted = parseTrust(trustFile, names.trustFile);
    const self = trusted.get(region);
    if (!self) throw new RegionKeysError(`${names.trustFile}: does not list this Region (${region}) from the ${names.keyFile}`);
    if (!sameKey(createPublicKey(sealingPrivateKey), self.sealingPublicKey)) {
      throw new RegionKeysError(`${names.trustFile}: regions["${region}"].sealingPublicKey does not match the ${names.keyFile}'s sealingPrivateKey`);
    }
    if (!sameKey(createPublicKey(signingPrivateKey), self.signingPublicKey)) {
      throw new RegionKeysError(`${names.trustFile}: regions["${region}"].signingPublicKey does not match the ${names.keyFile}'s signingPrivateKey`);
    }
    return new RegionKeys(region, sealingPrivateKey, signingPrivateKey, trusted);
  }

  /** Every Region of the trust file, this one included, sorted. */
  trustedRegions(): string[] {
    return [...this.trusted.keys()].sort();
  }

  /** A trusted Region's public keys; undefined for a Region the trust file does not list. */
  peer(region: string): TrustedRegion | undefined {
    return this.trusted.get(region);
  }

  /** Short fingerprints of every public key, for the start-up log line. */
  fingerprints(): Record<string, { sealing: string; signing: string }> {
    const out: Record<string, { sealing: string; signing: string }> = {};
    for (const region of this.trustedRegions()) {
      const keys = this.trusted.get(region)!;
      out[region] = { sealing: fingerprint(keys.sealingPublicKey), signing: fingerprint(keys.signingPublicKey) };
    }
    return out;
  }
}

/** `sha256:` and the first 16 hex digits of the SHA-256 of the public key's SPKI DER. */
export function fingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)}`;
}

/** Fresh keys for one Region in the launcher's exact file format (tests; the launcher has its own copy). */
export function generateRegionKeys(region: string): { keyFile: RegionKeyFile; trustEntry: TrustEntry } {
  const sealing = generateKeyPairSync('x25519');
  const signing = generateKeyPairSync('ed25519');
  const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
  return {
    keyFile: { region, sealingPrivateKey: pkcs8(sealing.privateKey), signingPrivateKey: pkcs8(signing.privateKey) },
    trustEntry: { sealingPublicKey: spki(sealing.publicKey), signingPublicKey: spki(signing.publicKey) },
  };
}

/**
 * The Regions of a trust file, validated, without any private key: for processes that only need
 * to know where multi-Region keys may be replicated (the node's HTTP workers).
 */
export function readTrustedRegions(trustFile: string): string[] {
  return [...parseTrust(readJson(trustFile, 'trust file'), `trust file ${trustFile}`).keys()].sort();
}

function parseTrust(trustFile: unknown, name: string): Map<string, TrustedRegion> {
  const trust = asObject(trustFile, name);
  const regions = asObject(trust.regions, `${name}: field "regions"`);
  const trusted = new Map<string, TrustedRegion>();
  for (const [region, entry] of Object.entries(regions)) {
    const where = `${name}: regions["${region}"]`;
    if (!REGION_PATTERN.test(region)) throw new RegionKeysError(`${where}: not a Region name (like us-east-1)`);
    const e = asObject(entry, where);
    trusted.set(region, {
      sealingPublicKey: publicKey(e, 'sealingPublicKey', 'x25519', where),
      signingPublicKey: publicKey(e, 'signingPublicKey', 'ed25519', where),
    });
  }
  return trusted;
}

function statOrThrow(path: string) {
  try {
    return statSync(path);
  } catch (err) {
    throw new RegionKeysError(`key file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RegionKeysError(`${what} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message may quote the file's text, which holds private keys: name the file only.
    throw new RegionKeysError(`${what} ${path}: not valid JSON`);
  }
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RegionKeysError(`${where}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function field(obj: Record<string, unknown>, name: string, where: string): string {
  const value = obj[name];
  if (typeof value !== 'string' || value.length === 0) throw new RegionKeysError(`${where}: field "${name}" is missing or not a string`);
  return value;
}

function privateKey(obj: Record<string, unknown>, name: string, type: 'x25519' | 'ed25519', where: string): KeyObject {
  const pem = field(obj, name, where);
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) throw new RegionKeysError(`${where}: field "${name}" is not a PKCS#8 PEM private key`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new RegionKeysError(`${where}: field "${name}" cannot be parsed as a PKCS#8 PEM private key`);
  }
  if (key.asymmetricKeyType !== type) throw new RegionKeysError(`${where}: field "${name}" is a ${key.asymmetricKeyType} key; expected ${type}`);
  return key;
}

function publicKey(obj: Record<string, unknown>, name: string, type: 'x25519' | 'ed25519', where: string): KeyObject {
  const pem = field(obj, name, where);
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw new RegionKeysError(`${where}: field "${name}" is not an SPKI PEM public key`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new RegionKeysError(`${where}: field "${name}" cannot be parsed as an SPKI PEM public key`);
  }
  if (key.asymmetricKeyType !== type) throw new RegionKeysError(`${where}: field "${name}" is a ${key.asymmetricKeyType} key; expected ${type}`);
  return key;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}
