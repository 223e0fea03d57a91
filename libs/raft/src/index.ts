export { decodeConfChange, encodeConfChange } from './conf-change';
export type { LogView, Unavailable } from './log-view';
export { MemoryStorage } from './memory-storage';
export { RaftCore, type RaftConfig } from './raft-core';
export type {
  AppendMessage,
  AppendResponseMessage,
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  MessageType,
  NodeId,
  PeerStatus,
  ProgressState,
  ProposeMessage,
  ProposeResult,
  ReadIndexMessage,
  ReadIndexResponseMessage,
  ReadIndexResult,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMessage,
  SnapshotMeta,
  SoftState,
  Status,
  TimeoutNowMessage,
  VoteMessage,
  VoteResponseMessage,
} from './types';
export { DurableLog, RaftKeys } from './driver/durable-log';
export { RaftNode, RaftNodeStopped, type MessageSink, type NodeBrief, type NodeStatus, type RaftNodeOptions, type StateMachinePort } from './driver/raft-node';
export { TcpTransport, type PeerAddress, type TcpTransportOptions } from './driver/tcp-transport';
