import type { NodeSignal } from './node-process';

/** What the supervisor says about a node after acting on it. */
export interface ControlAnswer {
  /** `us-east-1/2` */
  readonly node: string;
  readonly pid: number | null;
  readonly state: 'running' | 'paused' | 'exited';
  readonly signal?: NodeSignal;
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  /** How long the action took, start to answer. */
  readonly ms: number;
}

/** What the supervisor says after a node joined or left its Region. */
export interface MembershipAnswer {
  /** `us-east-1/4` */
  readonly node: string;
  readonly pid: number | null;
  /** The node's HTTP and Raft ports (an added node's, picked by the supervisor). */
  readonly port: number;
  readonly raftPort: number;
  /** The Region's membership after the change, as its leader answered. */
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** How long the change took, start to answer. */
  readonly ms: number;
}

/** One process of a Region as the supervisor left it after a whole-Region action. */
export interface ProcessAnswer {
  /** `nats-server` or `node-2`. */
  readonly name: string;
  readonly pid: number | null;
  readonly state: 'running' | 'paused' | 'exited';
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  /** Set when the action left this process alone, and why (`already down`). */
  readonly skipped?: string;
}

/** What the supervisor says after acting on a whole Region (`trent kill|stop|start|pause|resume us-east-1`). */
export interface RegionAnswer {
  readonly region: string;
  /** The signal sent; absent for a start. */
  readonly signal?: NodeSignal;
  /** Its nats-server first, then its member nodes. */
  readonly processes: readonly ProcessAnswer[];
  /** After a start: the leader its nodes agree on. */
  readonly leader?: string | null;
  /** After a start: the Regions its nats-server has a gateway connection to. */
  readonly gateways?: readonly string[];
  readonly ms: number;
}

/**
 * The supervisor's hold on its nodes, served by the gateway on `POST /_trent/cluster/kill`,
 * `…/start`, `…/add` and `…/remove` (loopback only). Node names are `us-east-1/2` or
 * `us-east-1/node-2`.
 */
export interface ClusterControl {
  /** Sends a signal; for SIGKILL and SIGTERM, answers once the node has exited. */
  signalNode(name: string, signal: NodeSignal): Promise<ControlAnswer>;
  /** Starts a node that exited, as it ran before, and answers once it is healthy. */
  startNode(name: string): Promise<ControlAnswer>;
  /**
   * Starts a new node for `region` (the next unused id, free ports), has the Region's leader add
   * it (learner, then voter once caught up) and answers once it votes. On failure the new node is
   * stopped again.
   */
  addNode(region: string): Promise<MembershipAnswer>;
  /** Has the Region's leader remove the node, then stops its process; its data directory stays. */
  removeNode(name: string): Promise<MembershipAnswer>;
  /**
   * Sends a signal to every node of the Region and to its nats-server: SIGKILL to all at once,
   * SIGTERM to the nodes and then to NATS, SIGSTOP/SIGCONT to all. Answers once they have exited
   * (SIGKILL, SIGTERM) or been signalled.
   */
  signalRegion(region: string, signal: NodeSignal): Promise<RegionAnswer>;
  /** Starts the Region's nats-server, then every member node that is not running; answers once they are healthy and agree on a leader. */
  startRegion(region: string): Promise<RegionAnswer>;
  /** Paused nodes cannot answer; status collection skips them. */
  isPaused(region: string, nodeId: string): boolean;
}

/** A control request that cannot be carried out; `status` is the HTTP status the gateway answers. */
export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 500 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
