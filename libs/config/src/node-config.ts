import { availableParallelism } from 'node:os';
import * as path from 'node:path';

/** Everything a node process is told at start. Read once from the environment, validated, frozen. */
export interface NodeConfig {
  readonly region: string;
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly domainKeyFile: string;
  /** JSON identities file; undefined means the built-in dev identity test/test. */
  readonly identitiesFile?: string;
  /** Enables the admin routes that move cluster time. Never on in production use. */
  readonly devMode: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** HTTP worker processes, each serving reads and crypto from a replica of the applied state. */
  readonly workers: number;
}

const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses the TRENT_* variables; throws one ConfigError naming every bad variable. */
export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') problems.push(`${name} is required`);
    return v ?? '';
  };

  const region = required('TRENT_REGION');
  if (region && !REGION_PATTERN.test(region)) problems.push(`TRENT_REGION='${region}' is not a Region name like us-east-1`);

  const nodeId = env.TRENT_NODE_ID ?? '1';
  if (!/^[1-9][0-9]{0,2}$/.test(nodeId)) problems.push(`TRENT_NODE_ID='${nodeId}' must be a number from 1 to 999`);

  const portText = env.TRENT_PORT ?? '4567';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`TRENT_PORT='${portText}' must be a port number`);

  const dataDir = required('TRENT_DATA_DIR');
  const domainKeyFile = env.TRENT_DOMAIN_KEY_FILE || (dataDir ? path.join(dataDir, '..', 'domain.key') : '');

  const logLevel = (env.TRENT_LOG_LEVEL ?? 'info') as NodeConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`TRENT_LOG_LEVEL='${logLevel}' must be one of ${LOG_LEVELS.join(', ')}`);

  const devText = env.TRENT_DEV_MODE ?? '0';
  if (!['0', '1', 'true', 'false'].includes(devText)) problems.push(`TRENT_DEV_MODE='${devText}' must be 0 or 1`);

  const workersText = env.TRENT_WORKERS ?? String(Math.min(availableParallelism(), 4));
  const workers = Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) problems.push(`TRENT_WORKERS='${workersText}' must be a number from 1 to 64`);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    region,
    nodeId,
    host: env.TRENT_HOST || '127.0.0.1',
    port,
    dataDir: path.resolve(dataDir),
    domainKeyFile: path.resolve(domainKeyFile),
    identitiesFile: env.TRENT_IDENTITIES_FILE ? path.resolve(env.TRENT_IDENTITIES_FILE) : undefined,
    devMode: devText === '1' || devText === 'true',
    logLevel,
    workers,
  });
}
