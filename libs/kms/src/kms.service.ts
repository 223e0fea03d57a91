import { DomainKey, RandomSource, systemRandom } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { KvStore } from '@trent/storage';
import { randomUUID } from 'node:crypto';
import { KeyMaterialService } from './key-material.service';
import { Caller, ClusterClock, KmsContext } from './kms-context';
import { KmsScheduler } from './kms-scheduler';
import { LogStatus, ReplicatedLog } from './log/replicated-log';
import type { StateMachinePort } from '@trent/raft';
import { ConsensusNode, DEFAULT_RAFT_KMS_LOG_OPTIONS, RaftKmsLog } from './log/raft-kms-log';
import { APPLIERS } from './operations/appliers';
import { OPERATIONS } from './operations/operations';
import { Command } from './state/command';
import { KmsState } from './state/kms-state';
import { KmsStateMachine } from './state/kms-state-machine';
import { findMultiRegionKey, MrkReplicationHost } from './mrk/mrk-host';
import { ReplicaLog } from './replica/replica-log';
import { ReplicaChannel, StateSnapshot, ToPrimary, ToReplica } from './replica/replica-messages';

const FORGETTING: ReadonlySet<Command['body']['type']> = new Set(['DeleteKey', 'DeleteImportedKeyMaterial', 'ExpireKeyMaterial']);

interface CommonOptions {
  region: string;
  domainKey: DomainKey;
  random?: RandomSource;
  /** The wall clock; cluster time adds the replicated offset to it. */
  wall?: () => number;
  /** The Regions multi-Region keys may be replicated to; undefined when replication is off. */
  replicationRegions?: readonly string[];
}

export interface KmsServiceOptions extends CommonOptions {
  nodeId: string;
  store: KvStore;
  /** Called once when storage fails: the node must stop. */
  onFatal: (e: Error) => void;
  /** Joins the Region's Raft group around the state machine, which has applied `applied` entries. */
  openConsensus: (stateMachine: StateMachinePort, applied: number) => Promise<ConsensusNode>;
}

export interface KmsStatus extends LogStatus {
  keys: number;
  aliases: number;
  clusterTime: string;
  clockOffsetMs: number;
}

/** The KMS of one node of one Region: state, log, operations and time-driven work, wired together. */
export class KmsService {
  private readonly scheduler: KmsScheduler;
  private host: MrkReplicationHost | undefined;

  private constructor(
    readonly ctx: KmsContext,
    private readonly log: ReplicatedLog,
    onError: (e: unknown) => void,
  ) {
    this.scheduler = new KmsScheduler(ctx, onError);
  }

  /** The node's log owner: LevelDB, the log, and the time-driven work. */
  static async openPrimary(opts: KmsServiceOptions): Promise<{ service: KmsService; log: RaftKmsLog }> {
    const state = await KmsState.load(opts.store);
    const machine = new KmsStateMachine(state, { region: opts.region }, APPLIERS);
    const log = new RaftKmsLog(machine, DEFAULT_RAFT_KMS_LOG_OPTIONS);
    log.bind(await opts.openConsensus(log, state.appliedIndex));
    const service = new KmsService(KmsService.context(opts, state, log), log, (e) => opts.onFatal(e as Error));
    return { service, log };
  }

  /** An HTTP worker of the node: a replica of the applied state, writes forwarded to the primary. */
  static openReplica(opts: CommonOptions, snapshot: StateSnapshot, status: LogStatus, channel: ReplicaChannel<ToReplica, ToPrimary>): { service: KmsService; log: ReplicaLog } {
    const state = KmsState.fromSnapshot(snapshot);
    let ctx: KmsContext | undefined;
    // A deleted key's (or deleted imported material's) unwrapped material leaves this replica's
    // memory as the deletion is applied.
    const forgetDeleted = (cmd: Command) => FORGETTING.has(cmd.body.type) && ctx?.materials.forget(cmd.accountId, (cmd.body as { keyId: string }).keyId);
    const log = new ReplicaLog(channel, new KmsStateMachine(state, { region: opts.region }, APPLIERS), status, forgetDeleted);
    ctx = KmsService.context(opts, state, log);
    return { service: new KmsService(ctx, log, () => {}), log };
  }

  private static context(opts: CommonOptions, state: KmsState, log: ReplicatedLog): KmsContext {
    const random = opts.random ?? systemRandom;
    return {
      region: opts.region,
      state,
      log,
      materials: new KeyMaterialService(opts.domainKey, random),
      clock: new ClusterClock(state, opts.wall),
      random,
      replicationRegions: opts.replicationRegions,
    };
  }

  /** This Region's KMS as the multi-Region replicator uses it (the log owner only). */
  replicationHost(): MrkReplicationHost {
    this.host ??= new MrkReplicationHost(this.ctx);
    return this.host;
  }

  /**
   * Beyond AWS, for disaster-recovery drills: makes this Region's replica of a multi-Region key
   * its primary at a higher epoch, without the old primary's Region (which may be down).
   */
  async forcePromote(keyId: string): Promise<Record<string, unknown>> {
    const key = findMultiRegionKey(this.ctx, keyId);
    if (!key) throw new KmsError('NotFoundException', `${this.ctx.region} holds no multi-Region key ${keyId}`);
    const result = await this.log.propose({ requestId: `force-promote-${randomUUID()}`, now: this.ctx.clock.now(), accountId: key.accountId, body: { type: 'ForcePromote', keyId } });
    if (!result.ok) throw new KmsError(result.code, result.message);
    return result.value as Record<string, unknown>;
  }

  snapshot(): StateSnapshot {
    return this.ctx.state.snapshot();
  }

  /**
   * Runs one AWS action for a caller. `requestId` identifies the client request (the SDK's
   * invocation id is stable across its retries), so a retried write is applied once.
   */
  async execute(operation: string, caller: Caller, input: Record<string, unknown>, requestId: string = randomUUID()): Promise<Record<string, unknown>> {
    const op = OPERATIONS.get(operation);
    if (!op) throw new KmsError('UnsupportedOperationException', `${operation} is not implemented by Trent yet.`);
    // Reads and the pre-checks of writes alike look at this node's state, which in a multi-node
    // Region may lag behind writes another node acknowledged: catch up first (Jepsen-style test:
    // DisableKey at a lagging follower answered NotFoundException for a key the Region had).
    if (!op.stateless) await this.ctx.log.readBarrier();
    return op.handle(this.ctx, { caller, requestId }, input);
  }

  /** Moves cluster time forward for the Region (dev mode); the log owner then runs what became due. */
  async advanceClock(seconds: number): Promise<{ clusterTime: string; clockOffsetMs: number }> {
    const result = await this.log.propose({
      requestId: `clock-${randomUUID()}`,
      now: this.ctx.clock.now(),
      accountId: '-',
      body: { type: 'AdvanceClock', deltaMs: Math.round(seconds * 1000) },
    });
    if (!result.ok) throw new KmsError(result.code, result.message);
    return { clusterTime: new Date(this.ctx.clock.now()).toISOString(), clockOffsetMs: this.ctx.state.clockOffsetMs };
  }

  /** Proposes due deletions and rotations; the node calls it every second. */
  runDueWork(): number {
    return this.scheduler.tick();
  }

  status(): KmsStatus {
    return {
      ...this.log.status(),
      keys: this.ctx.state.keys.size,
      aliases: this.ctx.state.aliases.size,
      clusterTime: new Date(this.ctx.clock.now()).toISOString(),
      clockOffsetMs: this.ctx.state.clockOffsetMs,
    };
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
