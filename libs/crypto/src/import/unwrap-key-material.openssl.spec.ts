import { execFileSync } from 'node:child_process';
import { createPublicKey, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrapKeyMaterial, WrappingAlgorithm, wrapKeyMaterial } from './unwrap-key-material';
import { generateWrappingKey } from './wrapping-key';

/**
 * Interop with the openssl command line, following the AWS KMS developer guide's "Encrypt key
 * material" steps (pkeyutl OAEP for the RSAES_OAEP_* algorithms; enc -id-aes256-wrap-pad plus
 * pkeyutl for RSA_AES_KEY_WRAP_*).
 */
const sut = unwrapKeyMaterial;
const OPENSSL = '/usr/bin/openssl';
const oaepOpts = (hash: string): string[] => ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${hash}`, '-pkeyopt', `rsa_mgf1_md:${hash}`];
const hashOf = (algorithm: WrappingAlgorithm): string => (algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256');

describe(`${unwrapKeyMaterial.name} with openssl`, () => {
  let privateKey: KeyObject;
  let dir: string;
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): Buffer => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    privateKey = await generateWrappingKey('RSA_3072');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trent-import-'));
    writeFileSync(file('pub.der'), createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** openssl pkeyutl -encrypt under the wrapping public key, as the guide does it. */
  const pkeyutlEncrypt = (input: string, output: string, hash: string): void => {
    openssl('pkeyutl', '-encrypt', '-in', input, '-out', output, '-inkey', 'pub.der', '-keyform', 'DER', '-pubin', ...oaepOpts(hash));
  };

  /** The guide's RSA_AES_KEY_WRAP steps: a random AES key, enc -id-aes256-wrap-pad, pkeyutl, then concatenation. */
  const opensslRsaAesKeyWrap = (materialFile: string, hash: string): Buffer => {
    openssl('rand', '-out', 'aes.bin', '32');
    const hex = readFileSync(file('aes.bin')).toString('hex');
    openssl('enc', '-id-aes256-wrap-pad', '-K', hex, '-iv', 'A65959A6', '-in', materialFile, '-out', 'wrapped-material.bin');
    pkeyutlEncrypt('aes.bin', 'wrapped-aes.bin', hash);
    return Buffer.concat([readFileSync(file('wrapped-aes.bin')), readFileSync(file('wrapped-material.bin'))]);
  };

  it.each<WrappingAlgorithm>(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'])('unwraps 32 bytes openssl pkeyutl encrypted for %s', (algorithm) => {
    openssl('rand', '-out', 'material.bin', '32');
    pkeyutlEncrypt('material.bin', 'wrapped.bin', hashOf(algorithm));

    expect(sut(privateKey, algorithm, readFileSync(file('wrapped.bin')))).toEqual(readFileSync(file('material.bin')));
  });

  it.each<WrappingAlgorithm>(['RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'])('unwraps 32 bytes of symmetric material openssl wrapped for %s', (algorithm) => {
    openssl('rand', '-out', 'material.der', '32');

    expect(sut(privateKey, algorithm, opensslRsaAesKeyWrap('material.der', hashOf(algorithm)))).toEqual(readFileSync(file('material.der')));
  });

  it.each<WrappingAlgorithm>(['RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'])('unwraps an openssl genpkey RSA-2048 PKCS #8 key openssl wrapped for %s', (algorithm) => {
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-outform', 'DER', '-out', 'material.der');
    const material = readFileSync(file('material.der'));
    const unwrapped = sut(privateKey, algorithm, opensslRsaAesKeyWrap('material.der', hashOf(algorithm)));

    expect(material.length).toBeGreaterThan(1100);
    expect(unwrapped).toEqual(material);
  });

  it('refuses openssl RSAES_OAEP_SHA_1 output unwrapped as RSAES_OAEP_SHA_256', () => {
    openssl('rand', '-out', 'material.bin', '32');
    pkeyutlEncrypt('material.bin', 'wrapped.bin', 'sha1');

    expect(sut(privateKey, 'RSAES_OAEP_SHA_256', readFileSync(file('wrapped.bin')))).toBeUndefined();
  });

  describe(wrapKeyMaterial.name, () => {
    const material = Buffer.from('0123456789abcdef0123456789abcdef0123', 'latin1');
    const RSA_3072_LENGTH = 384;
    /** openssl pkeyutl -decrypt with the wrapping private key. */
    const pkeyutlDecrypt = (block: Buffer, hash: string): Buffer => {
      writeFileSync(file('priv.der'), privateKey.export({ format: 'der', type: 'pkcs8' }));
      writeFileSync(file('block.bin'), block);
      return openssl('pkeyutl', '-decrypt', '-in', 'block.bin', '-inkey', 'priv.der', '-keyform', 'DER', ...oaepOpts(hash));
    };

    it('wraps RSAES_OAEP_SHA_1 so that openssl pkeyutl decrypts it', () => {
      const encrypted = wrapKeyMaterial(createPublicKey(privateKey), 'RSAES_OAEP_SHA_1', material);

      expect(pkeyutlDecrypt(encrypted, 'sha1')).toEqual(material);
    });

    it('wraps RSA_AES_KEY_WRAP_SHA_256 so that openssl pkeyutl and enc -d -id-aes256-wrap-pad unwrap it', () => {
      const encrypted = wrapKeyMaterial(createPublicKey(privateKey), 'RSA_AES_KEY_WRAP_SHA_256', material);
      const aesKey = pkeyutlDecrypt(encrypted.subarray(0, RSA_3072_LENGTH), 'sha256');
      writeFileSync(file('wrapped-material.bin'), encrypted.subarray(RSA_3072_LENGTH));

      expect(aesKey).toHaveLength(32);
      expect(openssl('enc', '-d', '-id-aes256-wrap-pad', '-K', aesKey.toString('hex'), '-iv', 'A65959A6', '-in', 'wrapped-material.bin')).toEqual(material);
    });
  });
});
