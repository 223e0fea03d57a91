import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRegionKeys, readTrustedRegions, RegionKeys, RegionKeysError } from './region-keys';
import { regionFixtures } from './testing/region-fixtures';

const US = 'us-east-1';
const EU = 'eu-west-1';

describe(RegionKeys.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'trent-region-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(keyFile: unknown, trustFile: unknown, mode = 0o600) {
    const paths = { keyFile: join(dir, 'region-key.json'), trustFile: join(dir, 'trust.json') };
    writeFileSync(paths.keyFile, typeof keyFile === 'string' ? keyFile : JSON.stringify(keyFile), { mode });
    writeFileSync(paths.trustFile, JSON.stringify(trustFile));
    return paths;
  }

  it('should load the launcher format and list every trusted Region', () => {
    const fx = regionFixtures([US, EU]);
    const sut = RegionKeys.load(write(fx.keyFiles[US], fx.trustFile));
    expect(sut.region).toBe(US);
    expect(sut.trustedRegions()).toEqual([EU, US]);
    expect(sut.peer(EU)?.signingPublicKey.asymmetricKeyType).toBe('ed25519');
    expect(sut.peer('ap-south-1')).toBeUndefined();
    expect(sut.fingerprints()[EU]).toEqual({ sealing: expect.stringMatching(/^sha256:[0-9a-f]{16}$/), signing: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) });
  });

  it('should read the trusted Regions alone, without any private key', () => {
    const fx = regionFixtures([US, EU]);
    const paths = write('not needed', fx.trustFile);
    expect(readTrustedRegions(paths.trustFile)).toEqual([EU, US]);
    writeFileSync(paths.trustFile, JSON.stringify({ regions: { moon: fx.trustFile.regions[US] } }));
    expect(() => readTrustedRegions(paths.trustFile)).toThrow(/regions\["moon"\]: not a Region name/);
  });

  it('should refuse a key file that others may read', () => {
    const fx = regionFixtures([US]);
    const paths = write(fx.keyFiles[US], fx.trustFile, 0o644);
    expect(() => RegionKeys.load(paths)).toThrow(`key file ${paths.keyFile}: mode 0644 lets others read it; expected 0600`);
  });

  it('should name the file and field of a key of the wrong type, without quoting it', () => {
    const fx = regionFixtures([US]);
    const swapped = { ...fx.keyFiles[US], sealingPrivateKey: fx.keyFiles[US].signingPrivateKey };
    let error: unknown;
    try {
      RegionKeys.load(write(swapped, fx.trustFile));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RegionKeysError);
    expect((error as Error).message).toMatch(/key file .*region-key\.json: field "sealingPrivateKey" is a ed25519 key; expected x25519/);
    expect((error as Error).message).not.toContain('PRIVATE KEY');
  });

  it('should not quote a key file that is not JSON', () => {
    const paths = write('{"sealingPrivateKey":"-----BEGIN PRIVATE KEY-----\nMC4CAQ', regionFixtures([US]).trustFile);
    expect(() => RegionKeys.load(paths)).toThrow(new RegionKeysError(`key file ${paths.keyFile}: not valid JSON`));
  });

  it.each([
    ['a missing field', (k: Record<string, unknown>) => ({ ...k, signingPrivateKey: undefined }), 'field "signingPrivateKey" is missing or not a string'],
    ['a bad Region', (k: Record<string, unknown>) => ({ ...k, region: 'mars' }), 'field "region" is not a Region name'],
    ['a public key where a private one belongs', (k: Record<string, unknown>) => ({ ...k, sealingPrivateKey: generateRegionKeys(US).trustEntry.sealingPublicKey }), 'is not a PKCS#8 PEM private key'],
  ])('should refuse a key file with %s', (_, mutate, message) => {
    const fx = regionFixtures([US]);
    expect(() => RegionKeys.from(mutate({ ...fx.keyFiles[US] }), fx.trustFile)).toThrow(message);
  });

  it('should refuse a trust file that lists other public keys for this Region', () => {
    const fx = regionFixtures([US, EU]);
    const trust = { regions: { ...fx.trustFile.regions, [US]: generateRegionKeys(US).trustEntry } };
    expect(() => RegionKeys.from(fx.keyFiles[US], trust)).toThrow('trust file: regions["us-east-1"].sealingPublicKey does not match');
  });

  it('should refuse a trust file without this Region, or with a key of the wrong type', () => {
    const fx = regionFixtures([US, EU]);
    expect(() => RegionKeys.from(fx.keyFiles[US], { regions: { [EU]: fx.trustFile.regions[EU] } })).toThrow('does not list this Region (us-east-1)');
    const bad = { ...fx.trustFile.regions[EU], signingPublicKey: fx.trustFile.regions[EU].sealingPublicKey };
    expect(() => RegionKeys.from(fx.keyFiles[US], { regions: { ...fx.trustFile.regions, [EU]: bad } })).toThrow(
      'trust file: regions["eu-west-1"]: field "signingPublicKey" is a x25519 key; expected ed25519',
    );
    expect(() => RegionKeys.from(fx.keyFiles[US], { regions: [] })).toThrow('trust file: field "regions": expected a JSON object');
  });
});
