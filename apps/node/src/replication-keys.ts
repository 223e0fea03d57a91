import { NodeConfig } from '@trent/config';
import { RegionKeys } from '@trent/replication';

/** The Region's replication keys when replication is on (TRENT_NATS_URL); they must be this Region's. */
export function loadReplicationKeys(config: NodeConfig): RegionKeys | undefined {
  if (!config.replication) return undefined;
  const keys = RegionKeys.load({ keyFile: config.replication.keyFile, trustFile: config.replication.trustFile });
  if (keys.region !== config.region) throw new Error(`replication key file ${config.replication.keyFile} is for ${keys.region}, not this node's Region ${config.region}`);
  return keys;
}
