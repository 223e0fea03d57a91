import { parseCiphertextHeader } from '@trent/crypto';
import { deliverAll, kmsError, LocalRegion } from '../testing/local-region';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const EU = 'eu-west-1';
const ALL = [EAST, WEST, EU];
const DAY = 86_400_000;

/** Three Regions in memory, sharing one wall clock that tests move. */
function world() {
  let now = Date.UTC(2026, 10, 23);
  const regions = new Map(ALL.map((name) => [name, new LocalRegion(name, ALL, () => now)]));
  const at = (name: string) => regions.get(name)!;
  return {
    regions,
    at,
    advance: (ms: number) => (now += ms),
    deliver: (down: string[] = []) => deliverAll(regions, new Set(down)),
  };
}

async function expectKmsError(p: Promise<unknown>, code: string, message?: RegExp | string): Promise<void> {
  const err = await kmsError(p);
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
}

/** What `region` owes first (a sync in these tests), built as the replicator would send it. */
function firstOwed(region: LocalRegion) {
  const [item] = region.host.pending();
  return region.host.buildSync(item as never)!;
}

/** An mrk primary in us-east-1, replicated to `replicas` with every message delivered. */
async function createMrk(w: ReturnType<typeof world>, replicas: string[] = []): Promise<string> {
  const { KeyMetadata } = await w.at(EAST).call('CreateKey', { MultiRegion: true, Description: 'primary' });
  for (const r of replicas) await w.at(EAST).call('ReplicateKey', { KeyId: KeyMetadata.KeyId, ReplicaRegion: r });
  if (replicas.length > 0) await w.deliver();
  return KeyMetadata.KeyId;
}

describe('multi-Region keys (three Regions in memory)', () => {
  it('should create an mrk- primary that DescribeKey shows with its MultiRegionConfiguration', async () => {
    const w = world();
    const { KeyMetadata } = await w.at(EAST).call('CreateKey', { MultiRegion: true });
    expect(KeyMetadata.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(KeyMetadata).toMatchObject({
      MultiRegion: true,
      MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: `arn:aws:kms:${EAST}:111122223333:key/${KeyMetadata.KeyId}`, Region: EAST }, ReplicaKeys: [] },
    });
    const single = await w.at(EAST).call('CreateKey', {});
    expect(single.KeyMetadata.MultiRegion).toBe(false);
    expect(single.KeyMetadata.MultiRegionConfiguration).toBeUndefined();
  });

  it('should replicate: Creating, then Enabled, with the shared properties of the primary and its own independent ones', async () => {
    const w = world();
    const id = await createMrk(w);
    const reply = await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST, Description: 'west copy', Tags: [{ TagKey: 't', TagValue: 'v' }] });
    expect(reply.ReplicaKeyMetadata).toMatchObject({
      Arn: `arn:aws:kms:${WEST}:111122223333:key/${id}`,
      KeyState: 'Creating',
      Enabled: false,
      Description: 'west copy',
      MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA', PrimaryKey: { Region: EAST }, ReplicaKeys: [{ Region: WEST }] },
    });
    expect(reply.ReplicaKeyMetadata.CurrentKeyMaterialId).toBeUndefined();
    expect(JSON.parse(reply.ReplicaPolicy).Id).toBe('key-default-1');
    expect(reply.ReplicaTags).toEqual([{ TagKey: 't', TagValue: 'v' }]);

    await expectKmsError(w.at(WEST).call('DescribeKey', { KeyId: id }), 'NotFoundException');
    await w.deliver();
    const west = (await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata;
    const east = (await w.at(EAST).call('DescribeKey', { KeyId: id })).KeyMetadata;
    expect(west).toMatchObject({ KeyState: 'Enabled', Description: 'west copy', MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA', PrimaryKey: { Region: EAST } } });
    expect(east.MultiRegionConfiguration.ReplicaKeys).toEqual([{ Arn: `arn:aws:kms:${WEST}:111122223333:key/${id}`, Region: WEST }]);
    expect(west.CurrentKeyMaterialId).toBe(east.CurrentKeyMaterialId);
    expect(east.Description).toBe('primary');
    expect((await w.at(WEST).call('ListResourceTags', { KeyId: id })).Tags).toEqual([{ TagKey: 't', TagValue: 'v' }]);
  });

  it('should show the replica Creating until the primary has heard from it', async () => {
    const w = world();
    const id = await createMrk(w);
    await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: EU });
    // One delivery without the answer: the replica exists, still Creating, and refuses crypto.
    const out = firstOwed(w.at(EAST));
    await w.at(EU).host.receiveSync(EAST, JSON.parse(JSON.stringify(out.payload)), out.material);
    expect((await w.at(EU).call('DescribeKey', { KeyId: id })).KeyMetadata.KeyState).toBe('Creating');
    await expectKmsError(w.at(EU).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('x') }), 'KMSInvalidStateException', /is creating\.$/);
    await w.deliver();
    expect((await w.at(EU).call('DescribeKey', { KeyId: id })).KeyMetadata.KeyState).toBe('Enabled');
  });

  it('should decrypt in every Region what any Region encrypted, answering with the ARN of the Region called', async () => {
    const w = world();
    const id = await createMrk(w, [WEST, EU]);
    for (const from of ALL) {
      const { CiphertextBlob } = await w.at(from).call('Encrypt', { KeyId: id, Plaintext: Buffer.from(`from ${from}`), EncryptionContext: { a: 'b' } });
      for (const to of ALL) {
        const out = await w.at(to).call('Decrypt', { CiphertextBlob, EncryptionContext: { a: 'b' } });
        expect(Buffer.from(out.Plaintext).toString()).toBe(`from ${from}`);
        expect(out.KeyId).toBe(`arn:aws:kms:${to}:111122223333:key/${id}`);
      }
    }
  });

  it("should answer AWS's errors for the wrong ReplicateKey cases", async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    await expectKmsError(w.at(WEST).call('ReplicateKey', { KeyId: id, ReplicaRegion: EU }), 'UnsupportedOperationException', `arn:aws:kms:${WEST}:111122223333:key/${id} is not a multi-region primary key.`);
    const single = (await w.at(EAST).call('CreateKey', {})).KeyMetadata.KeyId;
    await expectKmsError(w.at(EAST).call('ReplicateKey', { KeyId: single, ReplicaRegion: WEST }), 'UnsupportedOperationException', /is not a multi-region primary key\.$/);
    await expectKmsError(w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST }), 'AlreadyExistsException');
    await expectKmsError(w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: EAST }), 'AlreadyExistsException');
    await expectKmsError(w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: 'ap-south-1' }), 'UnsupportedOperationException', /not a Region of this Trent cluster/);
    await w.at(EAST).call('DisableKey', { KeyId: id });
    await expectKmsError(w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: EU }), 'DisabledException');
    await expectKmsError(w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: EU, Policy: 'not json' }), 'DisabledException');
    expect(w.at(EAST).state.key('111122223333', id)!.mrk!.replicas.map((r) => r.region)).toEqual([WEST]);
  });

  it('should keep enabled state, description, tags and policy per Region', async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    await w.at(WEST).call('DisableKey', { KeyId: id });
    await w.at(EAST).call('UpdateKeyDescription', { KeyId: id, Description: 'changed at the primary' });
    await w.deliver();
    expect((await w.at(EAST).call('DescribeKey', { KeyId: id })).KeyMetadata.KeyState).toBe('Enabled');
    expect((await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata).toMatchObject({ KeyState: 'Disabled', Description: '' });
  });

  it('should rotate at the primary, reach every replica, and encrypt with new material only once all hold it', async () => {
    const w = world();
    const id = await createMrk(w, [WEST, EU]);
    await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id });
    // eu-west-1 is down: the new material may not be used yet, anywhere.
    await w.deliver([EU]);
    const early = await w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('early') });
    expect(parseCiphertextHeader(early.CiphertextBlob)!.version).toBe(1);
    await w.deliver();
    const later = await w.at(WEST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('later') });
    expect(parseCiphertextHeader(later.CiphertextBlob)!.version).toBe(2);
    const ids = await Promise.all(ALL.map(async (r) => (await w.at(r).call('DescribeKey', { KeyId: id })).KeyMetadata.CurrentKeyMaterialId));
    expect(new Set(ids).size).toBe(1);
    expect(Buffer.from((await w.at(EU).call('Decrypt', { CiphertextBlob: later.CiphertextBlob })).Plaintext).toString()).toBe('later');
    const rotations = await w.at(EU).call('ListKeyRotations', { KeyId: id });
    expect(rotations.Rotations).toHaveLength(1);
  });

  it('should change rotation settings only on the primary and share them with replicas', async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    await expectKmsError(w.at(WEST).call('EnableKeyRotation', { KeyId: id }), 'UnsupportedOperationException', /replica/);
    await expectKmsError(w.at(WEST).call('RotateKeyOnDemand', { KeyId: id }), 'UnsupportedOperationException', /replica/);
    await w.at(EAST).call('EnableKeyRotation', { KeyId: id, RotationPeriodInDays: 90 });
    await w.deliver();
    expect(await w.at(WEST).call('GetKeyRotationStatus', { KeyId: id })).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    // Automatic rotation happens at the primary only, and reaches the replica.
    w.advance(91 * DAY);
    expect(w.at(WEST).runDueWork()).toBe(0);
    expect(w.at(EAST).runDueWork()).toBe(1);
    await new Promise((r) => setImmediate(r));
    await w.deliver();
    expect(w.at(WEST).state.key('111122223333', id)!.materials).toHaveLength(2);
  });

  it('should move the primary with UpdatePrimaryRegion, both keys Updating until it completes', async () => {
    const w = world();
    const id = await createMrk(w, [WEST, EU]);
    await expectKmsError(w.at(EAST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: 'ap-south-1' }), 'NotFoundException');
    await expectKmsError(w.at(WEST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: EU }), 'UnsupportedOperationException');
    expect(await w.at(EAST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: WEST })).toEqual({});
    expect((await w.at(EAST).call('DescribeKey', { KeyId: id })).KeyMetadata.KeyState).toBe('Updating');
    // Crypto keeps working while Updating; management of the role does not.
    await w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('x') });
    await expectKmsError(w.at(EAST).call('DisableKey', { KeyId: id }), 'KMSInvalidStateException', /is updating\.$/);
    await w.deliver();
    for (const r of ALL) {
      const meta = (await w.at(r).call('DescribeKey', { KeyId: id })).KeyMetadata;
      expect(meta.KeyState).toBe('Enabled');
      expect(meta.MultiRegionConfiguration.PrimaryKey.Region).toBe(WEST);
      expect(meta.MultiRegionConfiguration.MultiRegionKeyType).toBe(r === WEST ? 'PRIMARY' : 'REPLICA');
      expect(meta.MultiRegionConfiguration.ReplicaKeys.map((k: { Region: string }) => k.Region).sort()).toEqual([EAST, EU].sort());
    }
    expect(w.at(WEST).state.key('111122223333', id)!.mrk!.epoch).toBe(2);
    // The new primary rotates; the old one, now a replica, receives it.
    await w.at(WEST).call('RotateKeyOnDemand', { KeyId: id });
    await w.deliver();
    expect(w.at(EAST).state.key('111122223333', id)!.materials).toHaveLength(2);
  });

  it('should refuse UpdatePrimaryRegion towards a disabled replica', async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    await w.at(WEST).call('DisableKey', { KeyId: id });
    // The primary learns the replica's state with the next exchange.
    await w.at(EAST).call('TagResource', { KeyId: id, Tags: [{ TagKey: 'a', TagValue: 'b' }] });
    await w.at(EAST).call('EnableKeyRotation', { KeyId: id });
    await w.deliver();
    await expectKmsError(w.at(EAST).call('UpdatePrimaryRegion', { KeyId: id, PrimaryRegion: WEST }), 'DisabledException', `arn:aws:kms:${WEST}:111122223333:key/${id} is disabled.`);
  });

  it('should hold a primary with replicas in PendingReplicaDeletion until its last replica is deleted', async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    const scheduled = await w.at(EAST).call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 });
    expect(scheduled).toMatchObject({ KeyState: 'PendingReplicaDeletion', PendingWindowInDays: 7 });
    expect(scheduled.DeletionDate).toBeUndefined();
    expect((await w.at(EAST).call('DescribeKey', { KeyId: id })).KeyMetadata).toMatchObject({ KeyState: 'PendingReplicaDeletion', PendingDeletionWindowInDays: 7 });
    await expectKmsError(w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('x') }), 'KMSInvalidStateException', /pending replica deletion/);
    // The replica keeps working, then is deleted on its own schedule.
    await w.at(WEST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('x') });
    await w.at(WEST).call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 });
    w.advance(8 * DAY);
    expect(w.at(WEST).runDueWork()).toBe(1);
    await new Promise((r) => setImmediate(r));
    await w.deliver();
    // The primary confirmed; the record stays (told), so a late older message cannot recreate the replica.
    expect(w.at(WEST).host.pending()).toEqual([]);
    expect([...w.at(WEST).state.goneReplicas.values()]).toEqual([expect.objectContaining({ keyId: id, told: true })]);
    const meta = (await w.at(EAST).call('DescribeKey', { KeyId: id })).KeyMetadata;
    expect(meta.KeyState).toBe('PendingDeletion');
    expect(meta.DeletionDate).toBeGreaterThan(Date.UTC(2026, 10, 23) / 1000 + 8 * 86400);
    expect(meta.MultiRegionConfiguration.ReplicaKeys).toEqual([]);
  });

  it('should let a deleted replica be replicated again', async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    await w.at(WEST).call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 });
    w.advance(8 * DAY);
    w.at(WEST).runDueWork();
    await new Promise((r) => setImmediate(r));
    await w.deliver();
    await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
    await w.deliver();
    expect((await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata.KeyState).toBe('Enabled');
  });

  it('should promote a replica by force while the primary Region is down, and demote the old primary when it returns', async () => {
    const w = world();
    const id = await createMrk(w, [WEST, EU]);
    const before = await w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('before') });
    // us-east-1 goes down; eu-west-1 is promoted for the drill.
    const promoted = await w.at(EU).ctx.log.propose({ requestId: 'force-1', now: Date.now(), accountId: '111122223333', body: { type: 'ForcePromote', keyId: id } });
    expect(promoted).toMatchObject({ ok: true, value: { primaryRegion: EU, epoch: 2, previousPrimaryRegion: EAST } });
    await w.deliver([EAST]);
    await w.at(EU).call('RotateKeyOnDemand', { KeyId: id });
    await w.deliver([EAST]);
    expect((await w.at(WEST).call('DescribeKey', { KeyId: id })).KeyMetadata.MultiRegionConfiguration.PrimaryKey.Region).toBe(EU);
    // Cut off rather than dead, us-east-1 still believes it is primary: it rotates and encrypts.
    await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id });
    const cutOff = await w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('cut off') });
    expect(parseCiphertextHeader(cutOff.CiphertextBlob)!.version).toBe(1);
    // It tries to send its version 2 (unwrapping it); the message never arrives.
    for (const item of w.at(EAST).host.pending()) if (item.kind === 'sync') w.at(EAST).host.buildSync(item);
    // It returns; the newer epoch wins everywhere, and its own unconfirmed material gives way.
    await w.deliver();
    const euMaterial = w.at(EU).state.key('111122223333', id)!.materials.map((m) => m.materialId);
    for (const r of ALL) expect(w.at(r).state.key('111122223333', id)!.materials.map((m) => m.materialId)).toEqual(euMaterial);
    for (const r of ALL) expect(Buffer.from((await w.at(r).call('Decrypt', { CiphertextBlob: cutOff.CiphertextBlob })).Plaintext).toString()).toBe('cut off');
    // Version 2 is now the new primary's material everywhere, in memory too (a stale cache once kept the old one).
    const fromNewPrimary = await w.at(EU).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('new primary') });
    expect(parseCiphertextHeader(fromNewPrimary.CiphertextBlob)!.version).toBe(2);
    for (const r of ALL) expect(Buffer.from((await w.at(r).call('Decrypt', { CiphertextBlob: fromNewPrimary.CiphertextBlob })).Plaintext).toString()).toBe('new primary');
    for (const r of ALL) {
      const meta = (await w.at(r).call('DescribeKey', { KeyId: id })).KeyMetadata;
      expect(meta.MultiRegionConfiguration.PrimaryKey.Region).toBe(EU);
      expect(meta.MultiRegionConfiguration.MultiRegionKeyType).toBe(r === EU ? 'PRIMARY' : 'REPLICA');
    }
    expect(w.at(EAST).state.key('111122223333', id)!.materials).toHaveLength(2);
    await expectKmsError(w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }), 'UnsupportedOperationException');
    for (const r of ALL) expect(Buffer.from((await w.at(r).call('Decrypt', { CiphertextBlob: before.CiphertextBlob })).Plaintext).toString()).toBe('before');
  });

  it('should apply a repeated or out-of-date sync once, and refuse one from a Region that is not primary', async () => {
    const w = world();
    const id = await createMrk(w);
    await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
    const first = firstOwed(w.at(EAST));
    await w.deliver();
    const state = JSON.stringify(w.at(WEST).state.key('111122223333', id));
    const again = await w.at(WEST).host.receiveSync(EAST, JSON.parse(JSON.stringify(first.payload)), first.material);
    expect(['applied', 'duplicate']).toContain(again.outcome);
    expect(JSON.stringify(w.at(WEST).state.key('111122223333', id))).toBe(state);
    const old = { ...JSON.parse(JSON.stringify(first.payload)), version: 0 };
    expect((await w.at(WEST).host.receiveSync(EAST, old, first.material)).outcome).toBe('duplicate');
    const forged = { ...JSON.parse(JSON.stringify(first.payload)), version: 99 };
    expect((await w.at(WEST).host.receiveSync(EU, forged, first.material)).outcome).toBe('refused');
    expect(JSON.stringify(w.at(WEST).state.key('111122223333', id))).toBe(state);
  });

  it('should refuse material that does not match its id', async () => {
    const w = world();
    const id = await createMrk(w);
    await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
    const out = firstOwed(w.at(EAST));
    const bad = out.material.map((m) => ({ version: m.version, plaintext: Buffer.alloc(32, 7) }));
    expect((await w.at(WEST).host.receiveSync(EAST, out.payload, bad)).outcome).toBe('refused');
    expect(w.at(WEST).state.key('111122223333', id)).toBeUndefined();
  });

  it('should not list a Region it does not trust, whoever reports it', async () => {
    const w = world();
    const id = await createMrk(w, [WEST]);
    const key = w.at(EAST).state.key('111122223333', id)!;
    const ack = { accountId: key.accountId, keyId: id, epoch: key.mrk!.epoch, version: key.mrk!.version, outcome: 'duplicate' as const, primaryRegion: EAST };
    await w.at(EAST).host.receiveAck(WEST, { ...ack, knownReplicas: [{ region: 'ap-south-1' }] });
    await w.at(EAST).host.receiveGone(WEST, { accountId: key.accountId, keyId: id, epoch: 0, knownReplicas: [{ region: 'ap-south-1' }] });
    expect(w.at(EAST).state.key('111122223333', id)!.mrk!.replicas.map((r) => r.region)).toEqual([WEST]);
    await w.at(EAST).host.receiveAck(WEST, { ...ack, knownReplicas: [{ region: EU }] });
    expect(w.at(EAST).state.key('111122223333', id)!.mrk!.replicas.map((r) => r.region)).toEqual([WEST, EU]);
  });

  it('should never owe anything about a single-Region key', async () => {
    const w = world();
    const { KeyMetadata } = await w.at(EAST).call('CreateKey', {});
    await w.at(EAST).call('RotateKeyOnDemand', { KeyId: KeyMetadata.KeyId });
    await w.at(EAST).call('ScheduleKeyDeletion', { KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 });
    w.advance(8 * DAY);
    w.at(EAST).runDueWork();
    await new Promise((r) => setImmediate(r));
    expect(w.at(EAST).host.pending()).toEqual([]);
    expect(w.at(EAST).state.goneReplicas.size).toBe(0);
  });

  describe('regressions found in review', () => {
    const ACC = '111122223333';

    it('should ignore a late or replayed gone about an earlier life of a replica that was replicated again', async () => {
      const w = world();
      const id = await createMrk(w, [WEST]);
      await w.at(WEST).call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 });
      w.advance(8 * DAY);
      w.at(WEST).runDueWork();
      await new Promise((r) => setImmediate(r));
      const { kind: _k, to: _t, ...gone } = w.at(WEST).host.pending().find((i) => i.kind === 'gone')! as { kind: 'gone'; to: string; accountId: string; keyId: string; epoch: number };
      await w.at(EAST).host.receiveGone(WEST, gone); // applied; its answer is lost
      await w.at(EAST).call('ReplicateKey', { KeyId: id, ReplicaRegion: WEST });
      await w.deliver();
      await w.at(EAST).host.receiveGone(WEST, JSON.parse(JSON.stringify(gone))); // the retry (or a replay) arrives late
      expect(w.at(EAST).state.key(ACC, id)!.mrk!.replicas.map((r) => r.region)).toEqual([WEST]);
      // So the replica still holds back new material, and what the primary encrypts decrypts there.
      await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id });
      await w.deliver();
      const { CiphertextBlob } = await w.at(EAST).call('Encrypt', { KeyId: id, Plaintext: Buffer.from('x') });
      expect(Buffer.from((await w.at(WEST).call('Decrypt', { CiphertextBlob })).Plaintext).toString()).toBe('x');
    });

    it('should start the own deletion window of an old primary pending replica deletion when it is demoted', async () => {
      const w = world();
      const id = await createMrk(w, [WEST]);
      await w.at(EAST).call('RotateKeyOnDemand', { KeyId: id }); // us-east-1 owes a sync: it will hear 'stale'
      await w.at(EAST).call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 });
      expect(await w.at(WEST).ctx.log.propose({ requestId: 'f', now: Date.now(), accountId: ACC, body: { type: 'ForcePromote', keyId: id } })).toMatchObject({ ok: true });
      await w.deliver();
      expect(w.at(EAST).state.key(ACC, id)).toMatchObject({ state: 'PendingDeletion', mrk: { role: 'REPLICA' } });
      w.advance(8 * DAY);
      expect(w.at(EAST).runDueWork()).toBe(1);
    });

    it('should refuse to promote by force a replica pending deletion (it would delete a primary with replicas)', async () => {
      const w = world();
      const id = await createMrk(w, [WEST]);
      await w.at(WEST).call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 });
      expect(await w.at(WEST).ctx.log.propose({ requestId: 'f', now: Date.now(), accountId: ACC, body: { type: 'ForcePromote', keyId: id } })).toMatchObject({ ok: false, code: 'KMSInvalidStateException' });
    });
  });
});
