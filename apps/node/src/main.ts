import { ConfigError, loadNodeConfig, NodeConfig } from '@trent/config';
import cluster from 'node:cluster';
import { runPrimary } from './primary';
import { runWorker } from './worker';

/**
 * A Trent node: one primary process (the log, LevelDB, time-driven work) and its HTTP workers,
 * each answering from a replica of the applied state. See primary.ts and worker.ts.
 */
function main(): void {
  const config = readConfig();
  const role = cluster.isPrimary ? 'primary' : 'worker';
  (cluster.isPrimary ? runPrimary(config) : runWorker(config)).catch((e: Error) => {
    process.stderr.write(`trent node (${role}): cannot start: ${e.message}\n`);
    process.exit(1);
  });
}

function readConfig(): NodeConfig {
  try {
    return loadNodeConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`trent node: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}

main();
