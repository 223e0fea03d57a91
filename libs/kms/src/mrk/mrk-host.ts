import { KmsError } from '@trent/protocol';
import { randomUUID } from 'node:crypto';
import { KmsContext } from '../kms-context';
import { KeyMaterialVersion, KeyRecord, ReplicaRef } from '../model/key-record';
import { Command, CommandBody } from '../state/command';
import { afterAck } from './mrk-apply';
import { MRK_ID, replicaOwed, syncPayloadFor } from './mrk-model';
import { AckPayload, GonePayload, GoneReply, OutboxItem, PlainMaterial, ReplicationHost, SyncOut, SyncPayload } from './replication-port';

/**
 * A Region's KMS as the replicator sees it (see replication-port.ts). What is owed is read from the
 * replicated state; what arrives is proposed as a command. A message delivered twice is proposed
 * twice and changes nothing the second time: the appliers order what they receive (mrk-apply.ts).
 */
export class MrkReplicationHost implements ReplicationHost {
  private listener: () => void = () => {};

  constructor(private readonly ctx: KmsContext) {}

  get region(): string {
    return this.ctx.region;
  }

  isLeader(): boolean {
    return this.ctx.log.isLeader();
  }

  onChange(listener: () => void): void {
    this.listener = listener;
  }

  /** The node calls this after entries are applied. */
  changed(): void {
    if (this.ctx.state.mrkKeys.size > 0 || this.ctx.state.goneReplicas.size > 0) this.listener();
  }

  pending(): OutboxItem[] {
    const items: OutboxItem[] = [];
    for (const key of this.ctx.state.multiRegionKeys()) {
      const mrk = key.mrk!;
      const base = { accountId: key.accountId, keyId: key.keyId, epoch: mrk.epoch, version: mrk.version };
      if (mrk.role === 'PRIMARY') {
        for (const r of mrk.replicas) if (replicaOwed(mrk, r)) items.push({ kind: 'sync', to: r.region, ...base });
      } else if (mrk.handoverTo) {
        items.push({ kind: 'sync', to: mrk.handoverTo, ...base });
      }
    }
    for (const gone of this.ctx.state.goneReplicas.values()) {
      if (gone.told) continue;
      items.push({ kind: 'gone', to: gone.primaryRegion, accountId: gone.accountId, keyId: gone.keyId, epoch: gone.epoch, ...(gone.listedAt ? { listedAt: gone.listedAt } : {}), ...(gone.handBack ? { knownReplicas: gone.handBack } : {}) });
    }
    return items;
  }

  buildSync(item: Extract<OutboxItem, { kind: 'sync' }>): SyncOut | undefined {
    const key = this.ctx.state.key(item.accountId, item.keyId);
    if (!key?.mrk || !MRK_ID.test(key.keyId)) return undefined;
    const owes = key.mrk.role === 'PRIMARY' ? key.mrk.replicas.some((r) => r.region === item.to) : key.mrk.handoverTo === item.to;
    if (!owes) return undefined;
    // Imported material never travels: each Region imports the same material itself (AWS). Any
    // other material travels whole, every version (a replica holds all of them).
    const material: PlainMaterial[] =
      key.origin === 'EXTERNAL' ? [] : key.materials.map((m) => ({ version: m.version, plaintext: Buffer.from(this.ctx.materials.plaintext(key, m.version)!) }));
    return { payload: syncPayloadFor(key, item.to), material };
  }

  async receiveSync(from: string, payload: SyncPayload, material: PlainMaterial[]): Promise<AckPayload> {
    const materials: KeyMaterialVersion[] = [];
    for (const m of payload.shared.materials) {
      const plain = material.find((p) => p.version === m.version);
      const adopted = plain && this.ctx.materials.adopt(payload.keyId, payload.shared.keySpec, m, plain.plaintext);
      if (plain && !adopted) return refused(payload, `key material version ${m.version} does not match its id`);
      if (adopted) materials.push(adopted);
    }
    // Regions this one does not trust cannot be sent anything: listing them would hold back new
    // material for ever (it waits for every replica).
    const replicas = payload.replicas.filter((r) => this.trusts(r.region));
    return this.propose('mrk-sync', payload.accountId, { type: 'MrkSync', from, payload: { ...payload, replicas }, materials });
  }

  async receiveAck(from: string, received: AckPayload): Promise<void> {
    const ack = this.trustedReports(received);
    const key = this.ctx.state.key(ack.accountId, ack.keyId);
    // Most answers confirm what is already recorded: only a change costs a log entry.
    if (!key || afterAck(key, from, ack, this.ctx.clock.now(), this.ctx.region) === key) return;
    await this.propose('mrk-ack', ack.accountId, { type: 'MrkAck', from, ack });
  }

  async receiveGone(from: string, received: GonePayload): Promise<GoneReply> {
    const gone = this.trustedReports(received);
    return this.propose('mrk-gone', gone.accountId, { type: 'MrkGone', from, gone });
  }

  async receiveGoneReply(from: string, reply: GoneReply): Promise<void> {
    const gone = this.ctx.state.goneReplica(reply.accountId, reply.keyId);
    if (!gone || gone.told || gone.primaryRegion !== from || !reply.removed) return;
    await this.propose('mrk-gone-done', reply.accountId, { type: 'MrkGoneDone', from, reply });
  }

  /**
   * Each delivery is its own request: the appliers order what they receive by (epoch, claim,
   * version) and are idempotent, so the session table is not what makes a repeat harmless. A
   * request id derived from the message once made two different messages share one, and the
   * session table answered the second with the first's result without applying it.
   */
  /** The message with only the reported Regions this Region trusts (see trusts). */
  private trustedReports<T extends { knownReplicas?: ReplicaRef[] }>(message: T): T {
    const { knownReplicas, ...rest } = message;
    const known = (knownReplicas ?? []).filter((r) => this.trusts(r.region));
    return (known.length > 0 ? { ...rest, knownReplicas: known } : rest) as T;
  }

  private trusts(region: string): boolean {
    return region === this.ctx.region || (this.ctx.replicationRegions?.includes(region) ?? false);
  }

  private async propose<T>(kind: string, accountId: string, body: CommandBody): Promise<T> {
    const cmd: Command = { requestId: `${kind}-${randomUUID()}`, now: this.ctx.clock.now(), accountId, body };
    const result = await this.ctx.log.propose(cmd);
    if (!result.ok) throw new KmsError(result.code, result.message);
    return result.value as T;
  }
}

function refused(payload: SyncPayload, message: string): AckPayload {
  return { accountId: payload.accountId, keyId: payload.keyId, epoch: 0, version: 0, outcome: 'refused', message };
}

/** The multi-Region key with this id in any account (admin routes name a key by id alone). */
export function findMultiRegionKey(ctx: KmsContext, keyId: string): KeyRecord | undefined {
  for (const key of ctx.state.multiRegionKeys()) if (key.keyId === keyId) return key;
  return undefined;
}
