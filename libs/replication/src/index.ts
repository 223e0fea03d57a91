export { EnvelopeCodec, ENVELOPE_VERSION, MAX_WIRE_BYTES, SEAL_LABEL, SIGNED_LABEL } from './envelope';
export type { EnvelopeOptions, Expected, Message, MessageKind, Outgoing, SealedMaterial } from './envelope';
export { NatsBus, type NatsBusOptions } from './nats-bus';
export { MRK_KEY_ID, parseAckPayload, parseGonePayload, parseGoneReply, parseSyncPayload, type Parsed } from './payload-shapes';
export { fingerprint, generateRegionKeys, readTrustedRegions, REGION_PATTERN, RegionKeys, RegionKeysError } from './region-keys';
export type { RegionKeyFile, RegionKeyPaths, TrustedRegion, TrustEntry, TrustFile } from './region-keys';
export { Rejections, systemClock, type Rejection, type WallClock } from './rejections';
export { BusUnavailableError, replicationQueue, replicationSubject } from './replication-bus';
export type { BusFailure, BusState, ReplicationBus, RequestHandler } from './replication-bus';
export { DISABLED_REPLICATION_STATUS, type ActiveReplicationStatus, type ReplicationStatus } from './replication-status';
export { DEFAULT_RETRY, Replicator, type ReplicatorOptions, type RetryOptions } from './replicator';
/** In-memory Regions for tests of code that wires a Replicator (no NATS needed). */
export { MemoryBus, MemoryNetwork, type Hop } from './testing/memory-network';
