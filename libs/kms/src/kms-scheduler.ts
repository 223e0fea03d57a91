import { randomUUID } from 'node:crypto';
import { KmsContext } from './kms-context';
import { Command, CommandBody } from './state/command';

/**
 * Time-driven work of a Region: deletes keys whose waiting period has ended, rotates keys whose
 * rotation date has passed, and deletes imported key material whose ValidTo has passed. Runs on the leader only; each due item is proposed once at a time, and
 * apply checks again that it is due, so a repeat or a stale proposal changes nothing.
 */
export class KmsScheduler {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly ctx: KmsContext,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** One pass: proposes every due deletion and rotation. Returns how many it proposed. */
  tick(): number {
    if (!this.ctx.log.isLeader()) return 0;
    const now = this.ctx.clock.now();
    let proposed = 0;
    for (const key of this.ctx.state.keys.values()) {
      if (key.state === 'PendingDeletion' && key.deletionDate !== undefined && key.deletionDate <= now) {
        proposed += this.propose(key.accountId, { type: 'DeleteKey', keyId: key.keyId }, now);
      } else if (key.state === 'Enabled' && key.mrk?.role !== 'REPLICA' && key.rotation.enabled && key.rotation.nextRotationAt !== undefined && key.rotation.nextRotationAt <= now) {
        const material = this.ctx.materials.create(key.keyId, key.materials.length + 1, now, 'AUTOMATIC');
        proposed += this.propose(key.accountId, { type: 'RotateKey', keyId: key.keyId, material, rotationType: 'AUTOMATIC' }, now);
      } else if (key.origin === 'EXTERNAL') {
        const expired = key.materials.find((m) => m.wrapped !== undefined && m.imported?.validTo !== undefined && m.imported.validTo <= now);
        if (expired) proposed += this.propose(key.accountId, { type: 'ExpireKeyMaterial', keyId: key.keyId, materialId: expired.materialId }, now);
      }
    }
    return proposed;
  }

  private propose(accountId: string, body: CommandBody & { keyId: string }, now: number): number {
    const tag = `${accountId}/${body.keyId}`;
    if (this.inFlight.has(tag)) return 0;
    this.inFlight.add(tag);
    const cmd: Command = { requestId: `scheduler-${randomUUID()}`, now, accountId, body };
    this.ctx.log
      .propose(cmd)
      .catch(this.onError)
      .finally(() => this.inFlight.delete(tag));
    return 1;
  }
}
