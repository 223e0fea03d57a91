import { RandomSource } from '@trent/crypto';
import { ReplicatedLog } from './log/replicated-log';
import { KeyMaterialService } from './key-material.service';
import { KmsState } from './state/kms-state';

/** Who is calling: the identity the SigV4 signature proved. */
export interface Caller {
  accountId: string;
  principalArn: string;
  accessKeyId: string;
}

/** Cluster time: the wall clock plus the offset that lives in the replicated state. */
export class ClusterClock {
  constructor(
    private readonly state: KmsState,
    private readonly wall: () => number = Date.now,
  ) {}

  now(): number {
    return this.wall() + this.state.clockOffsetMs;
  }
}

/** Everything an operation may use. Each member is an adapter, so operations are tested with fakes. */
export interface KmsContext {
  readonly region: string;
  readonly state: KmsState;
  readonly log: ReplicatedLog;
  readonly materials: KeyMaterialService;
  readonly clock: ClusterClock;
  readonly random: RandomSource;
  /** The Regions multi-Region keys can be replicated to (the replicator's trusted Regions); undefined when replication is off. */
  readonly replicationRegions?: readonly string[];
  /**
   * How long UpdatePrimaryRegion waits for the destination replica to confirm its current state
   * (0: no probe; in-memory tests deliver messages by hand). Default 2 s.
   */
  readonly mrkProbeWaitMs?: number;
}

/** Per request: the caller and the id that makes a retried write apply once. */
export interface RequestScope {
  readonly caller: Caller;
  readonly requestId: string;
}
