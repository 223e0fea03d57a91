import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand, EnableKeyCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import { awsError } from '../support/trent-node';
import { TrentRegion } from '../support/trent-region';

jest.setTimeout(90_000);

const others = (id: string) => ['1', '2', '3'].filter((x) => x !== id);

describe('a three-node Region (Raft)', () => {
  let region: TrentRegion;

  beforeAll(async () => {
    region = await TrentRegion.start({ nodes: 3 });
  });
  afterAll(async () => {
    await region?.dispose();
  });

  it('should take a write at a follower and show it at once on every node', async () => {
    const leader = await region.leader();
    const follower = others(leader)[0];
    const { KeyMetadata } = await region.client(follower).send(new CreateKeyCommand({ Description: 'made at a follower' }));
    for (const id of ['1', '2', '3']) {
      const { KeyMetadata: seen } = await region.client(id).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }));
      expect(seen!.Description).toBe('made at a follower');
    }
  });

  it('should let no node encrypt under a key once DisableKey has returned at another', async () => {
    const { KeyMetadata } = await region.client('1').send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;
    for (let round = 0; round < 5; round++) {
      const writer = String((round % 3) + 1);
      await region.client(writer).send(new DisableKeyCommand({ KeyId: keyId }));
      for (const id of ['1', '2', '3']) {
        const err = await awsError(() => region.client(id).send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
        expect(err.name).toBe('DisabledException');
      }
      await region.client(others(writer)[round % 2]).send(new EnableKeyCommand({ KeyId: keyId }));
      for (const id of ['1', '2', '3']) await region.client(id).send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    }
  });

  it('should elect a new leader after the leader is killed, lose no acknowledged write, and catch the node up on restart', async () => {
    const { KeyMetadata } = await region.client('1').send(new CreateKeyCommand({ Description: 'before the crash' }));
    const { CiphertextBlob } = await region.client('2').send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('kept') }));
    const old = await region.leader();
    await region.node(old).stop('SIGKILL');
    const next = await region.leader();
    expect(next).not.toBe(old);
    const survivor = others(old)[0];
    const { KeyMetadata: during } = await region.client(survivor, 5).send(new CreateKeyCommand({ Description: 'while a node was down' }));
    const { Plaintext } = await region.client(others(old)[1], 5).send(new DecryptCommand({ CiphertextBlob }));
    expect(Buffer.from(Plaintext!).toString()).toBe('kept');

    await region.node(old).restart();
    const { KeyMetadata: seen } = await region.client(old, 3).send(new DescribeKeyCommand({ KeyId: during!.KeyId }));
    expect(seen!.Description).toBe('while a node was down');
    const { KeyMetadata: before } = await region.client(old, 3).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    expect(before!.Description).toBe('before the crash');
  });

  it('should fail requests fast, with an AWS 500 error, while the Region has no quorum, and recover after', async () => {
    const { KeyMetadata } = await region.client('1', 3).send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;
    await region.node('2').stop('SIGKILL');
    await region.node('3').stop('SIGKILL');
    const started = Date.now();
    const write = await awsError(() => region.client('1').send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'k', TagValue: 'v' }] })));
    expect(['KMSInternalException', 'DependencyTimeoutException']).toContain(write.name);
    expect(write.status).toBe(500);
    const read = await awsError(() => region.client('1').send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
    expect(['KMSInternalException', 'DependencyTimeoutException']).toContain(read.name);
    expect(Date.now() - started).toBeLessThan(15_000);

    await region.node('2').restart();
    await region.leader();
    await region.client('1', 5).send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'k', TagValue: 'v' }] }));
    await region.node('3').restart();
    await region.leader();
  });

  it('should hand leadership over on request', async () => {
    const from = await region.leader();
    const to = others(from)[0];
    const res = await fetch(`${region.node(from).endpoint}/_trent/raft/transfer-leader`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ leader: to });
    expect(await region.leader()).toBe(to);
    const refused = await fetch(`${region.node(from).endpoint}/_trent/raft/transfer-leader`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: from }) });
    expect(refused.status).toBe(409);
  });

  it('should replace a paused leader and keep every acknowledged write once it resumes', async () => {
    const old = await region.leader();
    const { KeyMetadata } = await region.client(old).send(new CreateKeyCommand({ Description: 'before the pause' }));
    region.node(old).pause(true);
    try {
      const next = await region.leader(20_000).catch(async () => {
        // The paused node cannot answer status; ask the others only.
        throw new Error('no new leader while the old one was paused');
      });
      expect(next).not.toBe(old);
      await region.client(others(old)[0], 5).send(new TagResourceCommand({ KeyId: KeyMetadata!.KeyId, Tags: [{ TagKey: 'during', TagValue: 'pause' }] }));
    } finally {
      region.node(old).pause(false);
    }
    const { KeyMetadata: seen } = await region.client(old, 5).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    expect(seen!.Description).toBe('before the pause');
  });
});

describe('a three-node Region whose log is compacted', () => {
  let region: TrentRegion;

  beforeAll(async () => {
    region = await TrentRegion.start({ nodes: 3, env: { TRENT_RAFT_COMPACT_AFTER: '20', TRENT_RAFT_TRAILING_ENTRIES: '5', TRENT_WORKERS: '2' } });
  });
  afterAll(async () => {
    await region?.dispose();
  });

  it('should bring a node that was down past the compaction point up to date with a snapshot', async () => {
    const leader = await region.leader();
    const lagging = others(leader)[0];
    await region.node(lagging).stop('SIGKILL');
    const keyIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { KeyMetadata } = await region.client(leader, 3).send(new CreateKeyCommand({ Description: `k${i}` }));
      keyIds.push(KeyMetadata!.KeyId!);
    }
    await region.client(leader).send(new DisableKeyCommand({ KeyId: keyIds[0] }));
    await region.node(lagging).restart();
    // Every worker of the restarted node serves the snapshot's state (two workers: ask several times).
    for (let i = 0; i < 6; i++) {
      const { KeyMetadata } = await region.client(lagging, 3).send(new DescribeKeyCommand({ KeyId: keyIds[39] }));
      expect(KeyMetadata!.Description).toBe('k39');
      const err = await awsError(() => region.client(lagging, 3).send(new EncryptCommand({ KeyId: keyIds[0], Plaintext: Buffer.from('x') })));
      expect(err.name).toBe('DisabledException');
    }
    expect(region.node(lagging).log()).toContain('installed a snapshot from the leader');
    // And it keeps following the log after the snapshot.
    await region.client(leader).send(new EnableKeyCommand({ KeyId: keyIds[0] }));
    await region.client(lagging, 3).send(new EncryptCommand({ KeyId: keyIds[0], Plaintext: Buffer.from('x') }));
  });
});

describe('Region membership changes', () => {
  let region: TrentRegion;

  beforeAll(async () => {
    region = await TrentRegion.start({ nodes: 3 });
  });
  afterAll(async () => {
    await region?.dispose();
  });

  const post = (id: string, path: string, body: unknown) =>
    fetch(`${region.node(id).endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('should add a fourth node as a learner, promote it once caught up, and serve from it', async () => {
    const { KeyMetadata } = await region.client('1', 3).send(new CreateKeyCommand({ Description: 'before the new node' }));
    // The joining node knows no leader until the leader adds it, so ask who leads first.
    const leader = await region.leader();
    const { id, address } = await region.startJoiningNode();
    const follower = others(leader)[0];
    const refused = await post(follower, '/_trent/raft/members', { node: id, address });
    expect(refused.status).toBe(409);
    const res = await post(leader, '/_trent/raft/members', { node: id, address });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ voters: ['1', '2', '3', '4'], learners: [] });
    const { KeyMetadata: seen } = await region.client(id, 3).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    expect(seen!.Description).toBe('before the new node');
    await region.client(id, 3).send(new TagResourceCommand({ KeyId: KeyMetadata!.KeyId, Tags: [{ TagKey: 'from', TagValue: 'node-4' }] }));
  });

  it('should remove the leader (which first hands leadership over), and go on with a new one among the rest', async () => {
    const leader = await region.leader();
    // The leader hands leadership over rather than remove itself, and names the node to ask.
    const handed = await fetch(`${region.node(leader).endpoint}/_trent/raft/members/${leader}`, { method: 'DELETE' });
    expect(handed.status).toBe(409);
    const successor = ((await handed.json()) as { leader: string }).leader;
    expect(successor).not.toBe(leader);
    const res = await fetch(`${region.node(successor).endpoint}/_trent/raft/members/${leader}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { voters: string[] }).voters).not.toContain(leader);
    region.removed.add(leader);
    await region.node(leader).stop('SIGKILL');
    const next = await region.leader();
    expect(next).not.toBe(leader);
    const { KeyMetadata } = await region.client(next, 3).send(new CreateKeyCommand({ Description: 'after the removal' }));
    for (const id of ['1', '2', '3', '4'].filter((x) => x !== leader)) {
      const { KeyMetadata: seen } = await region.client(id, 3).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }));
      expect(seen!.Description).toBe('after the removal');
    }
  });
});
