import type { MrkMaterialInfo, PlainMaterial, SyncPayload } from '@trent/kms';

export const FIXTURE_ACCOUNT = '111122223333';
/** Recognisable, so a leak anywhere (wire, logs) is easy to find. */
export const SECRET_HEX = '5ec2e7a15ec2e7a15ec2e7a15ec2e7a1';

const MATERIAL_INFO: MrkMaterialInfo[] = [
  { version: 1, materialId: 'a'.repeat(64), createdAt: 1 },
  { version: 2, materialId: 'b'.repeat(64), createdAt: 2, rotationType: 'ON_DEMAND' },
];

/** A sync from `primary` of a key with `materials` versions (1 or 2), listing `replicas` as ACTIVE. */
export function syncFixture(opts: { keyId: string; version: number; primary: string; replicas: string[]; materials?: 1 | 2 }): SyncPayload {
  const count = opts.materials ?? 1;
  return {
    accountId: FIXTURE_ACCOUNT,
    keyId: opts.keyId,
    epoch: 1,
    version: opts.version,
    primaryRegion: opts.primary,
    replicas: opts.replicas.map((region) => ({ region, status: 'ACTIVE' as const })),
    shared: {
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      rotation: { enabled: false, onDemandCount: 0 },
      activeVersion: count,
      materials: MATERIAL_INFO.slice(0, count),
    },
  };
}

/** Plaintext material for versions 1..count, built from SECRET_HEX. */
export const secretMaterial = (count: 1 | 2 = 1): PlainMaterial[] =>
  Array.from({ length: count }, (_, i) => ({ version: i + 1, plaintext: Buffer.from((i === 0 ? SECRET_HEX : SECRET_HEX.split('').reverse().join('')).repeat(2), 'hex') }));
