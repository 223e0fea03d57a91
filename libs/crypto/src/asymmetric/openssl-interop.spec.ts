import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../random-source';
import { deriveSharedSecret } from './ecdh';
import { checkImportedMaterial, generateKeyMaterial, GeneratedKey, publicKeyFromMaterial } from './key-pairs';
import { KeySpec, signingHash } from './key-specs';
import { rsaDecrypt, rsaEncrypt } from './rsa-oaep';
import { sign, verify } from './signatures';

/** The system's OpenSSL 3 command line: what an AWS customer verifies Trent's output with. */
const OPENSSL = '/usr/bin/openssl';
const rng = seededRandom(7);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trent-openssl-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const path = (name: string): string => join(dir, name);
const write = (name: string, bytes: Buffer): string => {
  writeFileSync(path(name), bytes);
  return path(name);
};
const openssl = (...args: string[]): Buffer => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
/** Whether an `openssl … -verify` run exits 0. */
const opensslAccepts = (...args: string[]): boolean => {
  try {
    openssl(...args);
    return true;
  } catch {
    return false;
  }
};

const keys = new Map<KeySpec, GeneratedKey>();
beforeAll(async () => {
  for (const spec of ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'] as const) {
    keys.set(spec, await generateKeyMaterial(spec, rng));
  }
});

const PSS_OPTS = ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'];

describe(`${sign.name} verified by openssl`, () => {
  const cases = [
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', []],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384', []],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512', []],
    ['RSA_2048', 'RSASSA_PSS_SHA_256', PSS_OPTS],
    ['RSA_2048', 'RSASSA_PSS_SHA_384', PSS_OPTS],
    ['RSA_2048', 'RSASSA_PSS_SHA_512', PSS_OPTS],
    ['ECC_NIST_P256', 'ECDSA_SHA_256', []],
    ['ECC_NIST_P384', 'ECDSA_SHA_384', []],
    ['ECC_NIST_P521', 'ECDSA_SHA_512', []],
    ['ECC_SECG_P256K1', 'ECDSA_SHA_256', []],
  ] as const;

  it.each(cases)('%s %s RAW: openssl dgst -verify accepts it, and refuses it for another message', (spec, algorithm, opts) => {
    const key = keys.get(spec)!;
    const message = randomBytes(1000);
    const signature = sign(spec, key.material, algorithm, 'RAW', message, rng);
    const dgst = (m: Buffer): boolean =>
      opensslAccepts('dgst', `-${signingHash(algorithm)}`, ...opts.flatMap((o) => ['-sigopt', o]), '-verify', write('pub.der', key.publicKey!), '-keyform', 'DER', '-signature', write('sig.bin', signature), write('msg.bin', m));

    expect(dgst(message)).toBe(true);
    expect(dgst(Buffer.concat([message, Buffer.from('!')]))).toBe(false);
  });

  it.each(cases)('%s %s DIGEST: openssl pkeyutl -verify accepts it over the digest', (spec, algorithm, opts) => {
    const key = keys.get(spec)!;
    const hash = signingHash(algorithm);
    const digest = createHash(hash).update(randomBytes(100)).digest();
    const signature = sign(spec, key.material, algorithm, 'DIGEST', digest, rng);

    const accepted = opensslAccepts(
      'pkeyutl', '-verify', '-pubin', '-inkey', write('pub.der', key.publicKey!), '-keyform', 'DER',
      '-in', write('digest.bin', digest), '-sigfile', write('sig.bin', signature),
      '-pkeyopt', `digest:${hash}`, ...opts.flatMap((o) => ['-pkeyopt', o]),
    );

    expect(accepted).toBe(true);
  });

  it('ED25519_SHA_512: openssl pkeyutl -verify -rawin accepts it, and refuses a changed signature', () => {
    const key = keys.get('ECC_NIST_EDWARDS25519')!;
    const message = randomBytes(500);
    const signature = sign('ECC_NIST_EDWARDS25519', key.material, 'ED25519_SHA_512', 'RAW', message, rng);
    const pkeyutl = (sig: Buffer): boolean =>
      opensslAccepts('pkeyutl', '-verify', '-pubin', '-inkey', write('pub.der', key.publicKey!), '-keyform', 'DER', '-rawin', '-in', write('msg.bin', message), '-sigfile', write('sig.bin', sig));

    expect(pkeyutl(signature)).toBe(true);
    const changed = Buffer.from(signature);
    changed[10] ^= 1;
    expect(pkeyutl(changed)).toBe(false);
  });
});

describe(`${rsaDecrypt.name} with openssl pkeyutl`, () => {
  it.each([
    ['RSAES_OAEP_SHA_1', 'sha1'],
    ['RSAES_OAEP_SHA_256', 'sha256'],
  ] as const)('%s: decrypts what openssl encrypts (OAEP and MGF1 over %s), and openssl decrypts what rsaEncrypt makes', (algorithm, md) => {
    const key = keys.get('RSA_2048')!;
    const plaintext = randomBytes(190);
    const oaep = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`];

    openssl('pkeyutl', '-encrypt', '-pubin', '-inkey', write('pub.der', key.publicKey!), '-keyform', 'DER', '-in', write('pt.bin', plaintext), '-out', path('ct.bin'), ...oaep);

    expect(rsaDecrypt('RSA_2048', key.material, algorithm, readFileSync(path('ct.bin')))).toEqual(plaintext);
    openssl('pkeyutl', '-decrypt', '-inkey', write('key.der', key.material), '-keyform', 'DER', '-in', write('ours.bin', rsaEncrypt(key.publicKey!, algorithm, plaintext)), '-out', path('back.bin'), ...oaep);
    expect(readFileSync(path('back.bin'))).toEqual(plaintext);
  });
});

describe(`${deriveSharedSecret.name} with openssl pkeyutl -derive`, () => {
  it.each([
    ['ECC_NIST_P256', 'P-256'],
    ['ECC_NIST_P384', 'P-384'],
    ['ECC_NIST_P521', 'P-521'],
  ] as const)('%s: the same secret openssl derives with a peer key it generated', (spec, curve) => {
    const key = keys.get(spec)!;
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-pkeyopt', 'ec_param_enc:named_curve', '-out', path('peer.pem'));
    const peerPublic = openssl('pkey', '-in', path('peer.pem'), '-pubout', '-outform', 'DER');

    const secret = openssl('pkeyutl', '-derive', '-inkey', path('peer.pem'), '-peerkey', write('mine.der', key.publicKey!), '-peerform', 'DER');

    expect(deriveSharedSecret(spec, key.material, peerPublic)).toEqual({ ok: true, secret });
  });
});

describe(`${checkImportedMaterial.name} with keys from openssl genpkey`, () => {
  it.each([
    ['RSA_2048', 'RSASSA_PSS_SHA_256', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], []],
    ['ECC_NIST_P256', 'ECDSA_SHA_256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], []],
    ['ECC_NIST_P384', 'ECDSA_SHA_384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], []],
    ['ECC_NIST_P521', 'ECDSA_SHA_512', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], []],
    ['ECC_SECG_P256K1', 'ECDSA_SHA_256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], []],
  ] as const)('%s %s: takes the PKCS#8 DER, and an openssl signature verifies with its public key', (spec, algorithm, genpkey, sigopts) => {
    openssl('genpkey', ...genpkey, '-out', path('key.pem'));
    const der = openssl('pkcs8', '-topk8', '-nocrypt', '-in', path('key.pem'), '-outform', 'DER');
    const message = randomBytes(300);

    const result = checkImportedMaterial(spec, der);

    expect(result).toMatchObject({ ok: true, material: der });
    const material = (result as { material: Buffer }).material;
    const signature = openssl('dgst', `-${signingHash(algorithm)}`, ...sigopts, '-sign', path('key.pem'), write('msg.bin', message));
    expect(verify(spec, publicKeyFromMaterial(spec, material), algorithm, 'RAW', message, signature)).toBe(true);
    expect(openssl('pkey', '-in', path('key.pem'), '-pubout', '-outform', 'DER')).toEqual(publicKeyFromMaterial(spec, material));
  });

  it("refuses what OpenSSL 3.0's genpkey -outform DER writes for an EC key (SEC1 ECPrivateKey, not PKCS#8)", () => {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-outform', 'DER', '-out', path('sec1.der'));

    expect(checkImportedMaterial('ECC_NIST_P256', readFileSync(path('sec1.der')))).toMatchObject({ ok: false, reason: expect.stringMatching(/PKCS#8/) });
  });

  it('ECC_NIST_EDWARDS25519: takes the PKCS#8 DER, and an openssl Ed25519 signature verifies', () => {
    openssl('genpkey', '-algorithm', 'ED25519', '-outform', 'DER', '-out', path('key.der'));
    const message = randomBytes(300);

    const result = checkImportedMaterial('ECC_NIST_EDWARDS25519', readFileSync(path('key.der')));

    expect(result.ok).toBe(true);
    const signature = openssl('pkeyutl', '-sign', '-inkey', path('key.der'), '-keyform', 'DER', '-rawin', '-in', write('msg.bin', message));
    const publicKey = publicKeyFromMaterial('ECC_NIST_EDWARDS25519', (result as { material: Buffer }).material);
    expect(verify('ECC_NIST_EDWARDS25519', publicKey, 'ED25519_SHA_512', 'RAW', message, signature)).toBe(true);
  });

  it('refuses an openssl P-256 key for ECC_NIST_P384 and a 3072-bit RSA key for RSA_2048', () => {
    const pkcs8 = (...genpkey: string[]): Buffer => {
      openssl('genpkey', ...genpkey, '-out', path('k.pem'));
      return openssl('pkcs8', '-topk8', '-nocrypt', '-in', path('k.pem'), '-outform', 'DER');
    };

    expect(checkImportedMaterial('ECC_NIST_P384', pkcs8('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'))).toMatchObject({ ok: false });
    expect(checkImportedMaterial('RSA_2048', pkcs8('-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'))).toMatchObject({ ok: false });
  });
});
