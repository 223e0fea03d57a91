import { CreateKeyCommand, DescribeKeyCommand, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import { TrentWorld } from '../support/trent-world';

jest.setTimeout(120_000);

describe('TrentWorld (harness smoke)', () => {
  let world: TrentWorld;
  beforeAll(async () => {
    world = await TrentWorld.start({ regions: ['us-east-1', 'eu-west-1'] });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('should replicate a key from one Region to another', async () => {
    const { KeyMetadata } = await world.kms('us-east-1').send(new CreateKeyCommand({ MultiRegion: true }));
    await world.kms('us-east-1').send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: 'eu-west-1' }));
    for (let i = 0; i < 50; i++) {
      const got = await world.kms('eu-west-1').send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId })).catch(() => undefined);
      if (got?.KeyMetadata?.KeyState === 'Enabled') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the replica did not become Enabled within 5 s');
  });
});
