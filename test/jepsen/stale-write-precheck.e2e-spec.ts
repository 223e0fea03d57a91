import {
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { awsError, freePort } from '../support/trent-node';
import { TrentRegion } from '../support/trent-region';
import { isolate } from './nemesis';
import { ProxyMesh } from './proxy-mesh';

/**
 * A node bug the Jepsen test found (seed 1): a write sent to a node that is cut off from the
 * leader is checked against that node's stale replica before it is proposed, so DisableKey /
 * EnableKey (and other writes) on a key created meanwhile answer a definite NotFoundException
 * (HTTP 400), which is not linearizable: the key exists. The node should answer as it does for
 * reads there (KMSInternalException / DependencyTimeoutException, HTTP 500), or commit the write.
 *
 * A follower that merely lags behind the leader does the same, with no fault at all.
 *
 * Fixed: every stateful action now passes the read barrier before its checks (KmsService.execute);
 * these are its regression tests.
 */

jest.setTimeout(60_000);

const ids = ['1', '2', '3'];

describe('a write at a node cut off from the leader', () => {
  let mesh: ProxyMesh;
  let region: TrentRegion;
  const client = (id: string): KMSClient => region.client(id);

  beforeAll(async () => {
    const raftPorts = await Promise.all(ids.map(() => freePort()));
    mesh = await ProxyMesh.start(new Map(ids.map((id, i) => [id, raftPorts[i]])));
    region = await TrentRegion.start({
      raftPorts,
      peers: (self, ports) => ids.map((id, i) => `${id}=127.0.0.1:${id === self ? ports[i] : mesh.portFor(self, id)}`).join(','),
    });
  });
  afterAll(async () => {
    await region?.dispose();
    await mesh?.close();
  });

  it('should not answer NotFoundException for a key the Region has (it answers from its stale replica)', async () => {
    mesh.apply(isolate(ids, '1'));
    const leader = await leaderAmong(['2', '3']);
    const { KeyMetadata } = await client(leader).send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;

    const answers: Record<string, string> = {};
    const writes = {
      DisableKey: () => client('1').send(new DisableKeyCommand({ KeyId: keyId })),
      EnableKey: () => client('1').send(new EnableKeyCommand({ KeyId: keyId })),
      TagResource: () => client('1').send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'k', TagValue: 'v' }] })),
      UpdateKeyDescription: () => client('1').send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'd' })),
      ScheduleKeyDeletion: () => client('1').send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })),
    };
    for (const [name, send] of Object.entries(writes)) {
      const e = await awsError(send);
      answers[name] = `${e.name} (HTTP ${e.status})`;
    }
    mesh.healAll();
    // Seen while the bug is present: every one of these is "NotFoundException (HTTP 400)".
    for (const answer of Object.values(answers)) expect(answer).not.toMatch(/NotFoundException/);
  });

  // The same without any fault: a follower that has not applied the CreateKey yet. Seen while the
  // bug is present: about 1 in 10 DisableKeys sent right after CreateKey returned.
  it('should not answer NotFoundException at a follower right after CreateKey returned at the leader (no fault)', async () => {
    mesh.healAll();
    const leader = await region.leader();
    const follower = ids.find((id) => id !== leader)!;
    for (let i = 0; i < 300; i++) {
      const { KeyMetadata } = await region.client(leader, 3).send(new CreateKeyCommand({}));
      // The SDK's default retries (3 attempts) ride out a 500 from an election on a loaded
      // machine; NotFoundException is a 400, never retried, so the bug still shows.
      const answer = await region
        .client(follower, 3)
        .send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }))
        .then(
          () => 'ok',
          (e: Error) => e.name,
        );
      expect(`attempt ${i}: ${answer}`).toBe(`attempt ${i}: ok`);
    }
  });

  async function leaderAmong(candidates: string[]): Promise<string> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      for (const id of candidates) if ((await region.status(id))?.role === 'leader') return id;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no leader in the majority');
  }
});
