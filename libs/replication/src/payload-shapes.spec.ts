import type { AckPayload, GonePayload, GoneReply, MrkMaterialInfo, MrkSharedState, ReplicaListing, SyncPayload } from '@trent/kms';
import { parseAckPayload, parseGonePayload, parseGoneReply, parseSyncPayload } from './payload-shapes';

/*
 * Every field of every payload, typed Required<…>: a field added to the contract fails to compile
 * here until it is added, and the round trip then fails until the parser keeps it (a parser that
 * silently dropped `latestMaterial` kept rotated material from ever becoming active).
 */
const LISTING: Required<ReplicaListing> = { epoch: 2, primaryRegion: 'us-east-1', claimBy: 'eu-west-1', version: 5 };
const KEY = { accountId: '111122223333', keyId: `mrk-${'ab'.repeat(16)}` };
const MATERIAL: Required<MrkMaterialInfo> = { version: 2, materialId: 'd'.repeat(64), createdAt: 4, rotationType: 'ON_DEMAND', pendingRotation: true, pendingDeletions: 2 };
const shared: Required<MrkSharedState> = {
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  origin: 'AWS_KMS',
  rotation: { enabled: true, periodDays: 90, nextRotationAt: 5, onDemandCount: 1, onDemandStartedAt: 4 },
  activeVersion: 1,
  materials: [{ version: 1, materialId: 'c'.repeat(64), createdAt: 3 }, MATERIAL],
};
const sync: Required<SyncPayload> = {
  ...KEY,
  epoch: 2,
  claimBy: 'eu-west-1',
  version: 7,
  primaryRegion: 'us-east-1',
  replicas: [{ region: 'eu-west-1', status: 'CREATING', listedAt: LISTING }],
  shared,
  init: { description: 'd', policy: '{}', tags: [{ TagKey: 'k', TagValue: 'v' }] },
};
const ack: Required<AckPayload> = { ...KEY, epoch: 2, version: 7, outcome: 'applied', keyState: 'Enabled', primaryRegion: 'us-east-1', claimBy: 'eu-west-1', latestMaterial: 3, knownReplicas: [{ region: 'ap-southeast-2', listedAt: LISTING }], listedAt: LISTING, message: 'm' };
const gone: Required<GonePayload> = { ...KEY, epoch: 2, listedAt: LISTING, knownReplicas: [{ region: 'ap-southeast-2' }] };
const reply: Required<GoneReply> = { ...KEY, removed: true };

describe('payload shapes', () => {
  it.each([
    ['sync', sync, parseSyncPayload],
    ['ack', ack, parseAckPayload],
    ['gone', gone, parseGonePayload],
    ['gone reply', reply, parseGoneReply],
  ] as const)('should keep every field of a %s payload', (_name, payload, parse) => {
    expect((parse as (v: unknown) => unknown)(JSON.parse(JSON.stringify(payload)))).toEqual({ ok: true, value: payload });
  });
});
