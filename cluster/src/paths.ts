import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The repository root: the nearest ancestor holding Trent's package.json. Works from the
 * sources (cluster/src) and from the build (dist/cluster/src) alike.
 */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === 'trent') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find Trent's package.json above ${from}`);
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

export const defaultTopologyFile = (): string => join(repoRoot(), 'cluster', 'topologies', 'default.json');
export const defaultIdentitiesFile = (): string => join(repoRoot(), 'cluster', 'identities.json');
/** The compiled node process the launcher starts, once per node. */
export const nodeEntryPoint = (): string => join(repoRoot(), 'dist', 'apps', 'node', 'src', 'main.js');

/** Where each piece of a cluster lives inside its data directory. */
export const dataLayout = {
  clusterFile: (dataDir: string): string => join(dataDir, 'cluster.json'),
  logsDir: (dataDir: string): string => join(dataDir, 'logs'),
  supervisorLog: (dataDir: string): string => join(dataDir, 'logs', 'supervisor.log'),
  regionDir: (dataDir: string, region: string): string => join(dataDir, region),
  domainKeyFile: (dataDir: string, region: string): string => join(dataDir, region, 'domain.key'),
  membersFile: (dataDir: string, region: string): string => join(dataDir, region, 'members.json'),
  nodeDir: (dataDir: string, region: string, nodeId: string): string => join(dataDir, region, `node-${nodeId}`),
  nodeLog: (dataDir: string, region: string, nodeId: string): string =>
    join(dataDir, 'logs', `${region}-node-${nodeId}.log`),
  natsConfig: (dataDir: string, region: string): string => join(dataDir, region, 'nats.conf'),
  natsLog: (dataDir: string, region: string): string => join(dataDir, 'logs', `nats-${region}.log`),
  /** The Region's private replication keys (TRENT_REPLICATION_KEY_FILE), mode 0600. */
  replicationKeyFile: (dataDir: string, region: string): string => join(dataDir, region, 'replication-key.json'),
  /** Every Region's public replication keys (TRENT_REPLICATION_TRUST_FILE). */
  replicationTrustFile: (dataDir: string): string => join(dataDir, 'replication-trust.json'),
};

/** A path as the user would type it: relative to the working directory when under it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
