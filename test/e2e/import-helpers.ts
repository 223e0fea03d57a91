import {
  AlgorithmSpec,
  ExpirationModelType,
  GetParametersForImportCommand,
  GetParametersForImportCommandOutput,
  ImportKeyMaterialCommand,
  ImportKeyMaterialCommandOutput,
  ImportType,
  KMSClient,
  WrappingKeySpec,
} from '@aws-sdk/client-kms';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bring-your-own-key from the customer's side, as the AWS KMS developer guide does it ("Importing
 * key material", steps 2 and 3): key material made and wrapped with the openssl command line, then
 * GetParametersForImport and ImportKeyMaterial through the SDK.
 */

export const OPENSSL = '/usr/bin/openssl';
const OPENSSL_TIMEOUT_MS = 30_000;

/** A temporary directory for one suite's openssl files; each step gets its own subdirectory. */
export class OpensslWorkdir {
  readonly root = mkdtempSync(join(tmpdir(), 'trent-e2e-import-'));
  private steps = 0;

  /** A fresh, empty directory, so files named as in the AWS guide never collide between steps. */
  step(): string {
    this.steps += 1;
    return mkdtempSync(join(this.root, `${this.steps}-`));
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs openssl in `cwd`; stdout as bytes. openssl's stderr goes into the error when it fails. */
export function openssl(cwd: string, ...args: string[]): Buffer {
  return execFileSync(OPENSSL, args, { cwd, timeout: OPENSSL_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl rand -out material.bin <n>`: symmetric or HMAC key material, as the guide makes it. */
export function opensslRandom(work: OpensslWorkdir, bytes: number): Buffer {
  const dir = work.step();
  openssl(dir, 'rand', '-out', 'material.bin', String(bytes));
  return readFileSync(join(dir, 'material.bin'));
}

export type PrivateKeyKind = 'P-256' | 'P-384' | 'RSA_2048' | 'RSA_3072' | 'ED25519';

/** `openssl genpkey` arguments for each kind of private key. */
export const GENPKEY_ARGS: Record<PrivateKeyKind, string[]> = {
  'P-256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'P-384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  RSA_2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  RSA_3072: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  ED25519: ['-algorithm', 'ED25519'],
};

/**
 * An asymmetric private key as PKCS#8 DER, the only form KMS imports: `openssl genpkey` to PEM, then
 * `openssl pkcs8 -topk8 -outform DER -nocrypt` as the AWS guide does. (OpenSSL 3.0's `genpkey
 * -outform DER` writes EC keys as SEC1 and RSA keys as PKCS#1, not PKCS#8.)
 */
export function opensslPrivateKey(work: OpensslWorkdir, kind: PrivateKeyKind): Buffer {
  const dir = work.step();
  openssl(dir, 'genpkey', ...GENPKEY_ARGS[kind], '-out', 'private.pem');
  openssl(dir, 'pkcs8', '-topk8', '-inform', 'PEM', '-outform', 'DER', '-nocrypt', '-in', 'private.pem', '-out', 'material.der');
  return readFileSync(join(dir, 'material.der'));
}

export type WrappingAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256';

const hashOf = (algorithm: WrappingAlgorithm): 'sha1' | 'sha256' => (algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256');

/** `openssl pkeyutl -encrypt` with RSA-OAEP under the DER wrapping public key, MGF1 with the same hash. */
function oaepEncrypt(dir: string, hash: 'sha1' | 'sha256', input: string, output: string): void {
  openssl(dir, 'pkeyutl', '-encrypt', '-in', input, '-out', output, '-inkey', 'WrappingPublicKey.der', '-keyform', 'DER', '-pubin',
    '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${hash}`, '-pkeyopt', `rsa_mgf1_md:${hash}`);
}

/**
 * EncryptedKeyMaterial for ImportKeyMaterial, made with openssl exactly as the AWS guide shows:
 * RSAES_OAEP_* encrypts the material itself; RSA_AES_KEY_WRAP_* wraps it with a fresh AES-256 key
 * (AES key wrap with padding, RFC 5649), encrypts that AES key with RSA-OAEP, and concatenates the two.
 */
export function wrapKeyMaterial(work: OpensslWorkdir, publicKeyDer: Uint8Array, material: Uint8Array, algorithm: WrappingAlgorithm): Buffer {
  const dir = work.step();
  writeFileSync(join(dir, 'WrappingPublicKey.der'), publicKeyDer);
  if (algorithm.startsWith('RSAES_OAEP')) {
    writeFileSync(join(dir, 'material.bin'), material);
    oaepEncrypt(dir, hashOf(algorithm), 'material.bin', 'EncryptedKeyMaterial.bin');
    return readFileSync(join(dir, 'EncryptedKeyMaterial.bin'));
  }
  writeFileSync(join(dir, 'material.der'), material);
  openssl(dir, 'rand', '-out', 'aes-key.bin', '32');
  const aesKeyHex = readFileSync(join(dir, 'aes-key.bin')).toString('hex');
  openssl(dir, 'enc', '-id-aes256-wrap-pad', '-K', aesKeyHex, '-iv', 'A65959A6', '-in', 'material.der', '-out', 'key-material-wrapped.bin');
  oaepEncrypt(dir, hashOf(algorithm), 'aes-key.bin', 'aes-key-wrapped.bin');
  return Buffer.concat([readFileSync(join(dir, 'aes-key-wrapped.bin')), readFileSync(join(dir, 'key-material-wrapped.bin'))]);
}

export interface WrapOptions {
  /** By default RSAES_OAEP_SHA_256 for raw secrets (at most 64 bytes), RSA_AES_KEY_WRAP_SHA_256 for private keys. */
  algorithm?: WrappingAlgorithm;
  /** RSA_2048 by default: the quickest for the server to make. */
  wrappingKeySpec?: WrappingKeySpec;
}

const defaultAlgorithm = (material: Uint8Array): WrappingAlgorithm => (material.length <= 64 ? 'RSAES_OAEP_SHA_256' : 'RSA_AES_KEY_WRAP_SHA_256');

/** GetParametersForImport for `keyId`, then `material` wrapped under its public key: what ImportKeyMaterial takes. */
export async function prepareImport(
  kms: KMSClient,
  work: OpensslWorkdir,
  keyId: string,
  material: Uint8Array,
  opts: WrapOptions = {},
): Promise<{ ImportToken: Uint8Array; EncryptedKeyMaterial: Buffer; parameters: GetParametersForImportCommandOutput }> {
  const algorithm = opts.algorithm ?? defaultAlgorithm(material);
  const parameters = await kms.send(
    new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm as AlgorithmSpec, WrappingKeySpec: opts.wrappingKeySpec ?? 'RSA_2048' }),
  );
  return { ImportToken: parameters.ImportToken!, EncryptedKeyMaterial: wrapKeyMaterial(work, parameters.PublicKey!, material, algorithm), parameters };
}

export interface ImportOptions extends WrapOptions {
  /** When set, ExpirationModel defaults to KEY_MATERIAL_EXPIRES; otherwise to KEY_MATERIAL_DOES_NOT_EXPIRE. */
  validTo?: Date;
  expirationModel?: ExpirationModelType;
  importType?: ImportType;
  keyMaterialId?: string;
  keyMaterialDescription?: string;
}

/** The whole BYOK round: parameters, openssl wrapping, ImportKeyMaterial. */
export async function importInto(kms: KMSClient, work: OpensslWorkdir, keyId: string, material: Uint8Array, opts: ImportOptions = {}): Promise<ImportKeyMaterialCommandOutput> {
  const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, keyId, material, opts);
  return kms.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken,
      EncryptedKeyMaterial,
      ExpirationModel: opts.expirationModel ?? (opts.validTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE'),
      ValidTo: opts.validTo,
      ImportType: opts.importType,
      KeyMaterialId: opts.keyMaterialId,
      KeyMaterialDescription: opts.keyMaterialDescription,
    }),
  );
}
