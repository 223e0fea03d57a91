import { Command, CommandResult } from '../state/command';

export interface LogStatus {
  role: 'leader' | 'follower' | 'candidate' | 'pre-candidate';
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  /**
   * True when the Region has more than one voter: a node's local state may then miss a write
   * acknowledged by another node, so reads confirm a read index with the leader first.
   */
  quorumReads: boolean;
}

/**
 * The seam between the KMS and consensus. Writes go through `propose` and resolve only after the
 * command is committed and applied; reads first pass `readBarrier` so they are linearizable.
 * A single-node log implements it now; the Raft log implements it next.
 */
export interface ReplicatedLog {
  propose(cmd: Command): Promise<CommandResult>;
  /** Resolves when this node may answer a read from its applied state without going stale. */
  readBarrier(): Promise<void>;
  isLeader(): boolean;
  status(): LogStatus;
  close(): Promise<void>;
}
