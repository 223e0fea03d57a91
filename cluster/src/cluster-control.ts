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

/**
 * The supervisor's hold on its nodes, served by the gateway on `POST /_trent/cluster/kill` and
 * `POST /_trent/cluster/start` (loopback only). Node names are `us-east-1/2` or `us-east-1/node-2`.
 */
export interface ClusterControl {
  /** Sends a signal; for SIGKILL and SIGTERM, answers once the node has exited. */
  signalNode(name: string, signal: NodeSignal): Promise<ControlAnswer>;
  /** Starts a node that exited, as it ran before, and answers once it is healthy. */
  startNode(name: string): Promise<ControlAnswer>;
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
