import type { ConfChange, ConfState, NodeId } from './types';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The `data` of a `conf` entry: UTF-8 JSON, so a log dump stays readable. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const plain: ConfChange = cc.context === undefined ? { type: cc.type, node: cc.node } : { type: cc.type, node: cc.node, context: cc.context };
  return enc.encode(JSON.stringify(plain));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const cc = JSON.parse(dec.decode(data)) as Partial<ConfChange>;
  if ((cc.type !== 'addVoter' && cc.type !== 'addLearner' && cc.type !== 'removeNode') || typeof cc.node !== 'string') {
    throw new Error(`not a conf change: ${dec.decode(data)}`);
  }
  return cc.context === undefined ? { type: cc.type, node: cc.node } : { type: cc.type, node: cc.node, context: cc.context };
}

export function confState(voters: Iterable<NodeId>, learners: Iterable<NodeId>): ConfState {
  return { voters: [...voters].sort(), learners: [...learners].sort() };
}

/** The membership after `cc`. Each change sets one node's role, so applying it twice is harmless. */
export function applyChange(conf: ConfState, cc: ConfChange): ConfState {
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  voters.delete(cc.node);
  learners.delete(cc.node);
  if (cc.type === 'addVoter') voters.add(cc.node);
  else if (cc.type === 'addLearner') learners.add(cc.node);
  return confState(voters, learners);
}

export function isEmptyConf(conf: ConfState): boolean {
  return conf.voters.length === 0 && conf.learners.length === 0;
}

export function sameConf(a: ConfState, b: ConfState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
