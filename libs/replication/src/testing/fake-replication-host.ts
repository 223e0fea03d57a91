import type { AckPayload, GonePayload, GoneReply, OutboxItem, PlainMaterial, ReplicationHost, SyncOut, SyncPayload } from '@trent/kms';

/**
 * A Region's KMS reduced to what the replicator sees: a list of what it owes, keys it can build
 * syncs for, and a record of everything it received. `owe` and `publish` play the primary's log.
 */
export class FakeReplicationHost implements ReplicationHost {
  leader = true;
  /** Thrown by every receive… call while set (e.g. no Raft quorum). */
  failWith?: Error;
  /** Delays every receive… call (to hold requests in flight). */
  applyDelayMs = 0;
  owed: OutboxItem[] = [];
  readonly keys = new Map<string, SyncOut>();
  readonly syncs: { from: string; payload: SyncPayload; material: PlainMaterial[] }[] = [];
  readonly acks: { from: string; ack: AckPayload }[] = [];
  readonly gones: { from: string; gone: GonePayload }[] = [];
  readonly goneReplies: { from: string; reply: GoneReply }[] = [];
  private readonly listeners: (() => void)[] = [];

  constructor(readonly region: string) {}

  /** Makes `payload` the key's current state and owes it to every listed replica. */
  publish(payload: SyncPayload, material: PlainMaterial[]): void {
    this.keys.set(payload.keyId, { payload, material });
    this.owed = this.owed.filter((i) => i.keyId !== payload.keyId || i.kind !== 'sync');
    for (const r of payload.replicas) {
      this.owed.push({ kind: 'sync', to: r.region, accountId: payload.accountId, keyId: payload.keyId, epoch: payload.epoch, version: payload.version });
    }
    this.changed();
  }

  owe(item: OutboxItem): void {
    this.owed.push(item);
    this.changed();
  }

  changed(): void {
    for (const l of this.listeners) l();
  }

  isLeader(): boolean {
    return this.leader;
  }

  pending(): OutboxItem[] {
    return [...this.owed];
  }

  buildSync(item: Extract<OutboxItem, { kind: 'sync' }>): SyncOut | undefined {
    const k = this.keys.get(item.keyId);
    // Copies, as the contract says: the replicator zeroes them once sealed.
    return k && { payload: { ...k.payload, epoch: item.epoch, version: item.version }, material: k.material.map((m) => ({ version: m.version, plaintext: Buffer.from(m.plaintext) })) };
  }

  async receiveSync(from: string, payload: SyncPayload, material: PlainMaterial[]): Promise<AckPayload> {
    await this.apply();
    const held = this.syncs.filter((s) => s.payload.keyId === payload.keyId).at(-1);
    const duplicate = held !== undefined && held.payload.version >= payload.version;
    // A copy, as a real host keeps only what it wrapped: the replicator zeroes the buffers it handed over.
    if (!duplicate) this.syncs.push({ from, payload, material: material.map((m) => ({ version: m.version, plaintext: Buffer.from(m.plaintext) })) });
    const { accountId, keyId, epoch, version } = duplicate ? held.payload : payload;
    return { accountId, keyId, epoch, version, outcome: duplicate ? 'duplicate' : 'applied', keyState: 'Enabled' };
  }

  async receiveAck(from: string, ack: AckPayload): Promise<void> {
    this.acks.push({ from, ack });
    this.owed = this.owed.filter((i) => !(i.kind === 'sync' && i.to === from && i.keyId === ack.keyId && i.version <= ack.version));
    this.changed();
  }

  async receiveGone(from: string, gone: GonePayload): Promise<GoneReply> {
    await this.apply();
    this.gones.push({ from, gone });
    return { accountId: gone.accountId, keyId: gone.keyId, removed: true };
  }

  async receiveGoneReply(from: string, reply: GoneReply): Promise<void> {
    this.goneReplies.push({ from, reply });
    if (reply.removed) this.owed = this.owed.filter((i) => !(i.kind === 'gone' && i.to === from && i.keyId === reply.keyId));
    this.changed();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private async apply(): Promise<void> {
    if (this.applyDelayMs > 0) await new Promise((r) => setTimeout(r, this.applyDelayMs));
    if (this.failWith) throw this.failWith;
  }
}
