import { ConfigError, loadNodeConfig } from './node-config';

describe(loadNodeConfig.name, () => {
  it('should read a complete environment', () => {
    const sut = loadNodeConfig({ TRENT_REGION: 'eu-west-1', TRENT_NODE_ID: '2', TRENT_PORT: '5000', TRENT_DATA_DIR: '/tmp/x/n2', TRENT_DEV_MODE: '1', TRENT_WORKERS: '3' });
    expect(sut).toMatchObject({ region: 'eu-west-1', nodeId: '2', port: 5000, dataDir: '/tmp/x/n2', domainKeyFile: '/tmp/x/domain.key', devMode: true, logLevel: 'info', workers: 3 });
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('should name every bad variable at once', () => {
    try {
      loadNodeConfig({ TRENT_REGION: 'moon', TRENT_PORT: 'abc', TRENT_NODE_ID: '0', TRENT_LOG_LEVEL: 'loud', TRENT_DEV_MODE: 'yes', TRENT_WORKERS: '0' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      for (const v of ['TRENT_REGION', 'TRENT_PORT', 'TRENT_NODE_ID', 'TRENT_LOG_LEVEL', 'TRENT_DEV_MODE', 'TRENT_DATA_DIR', 'TRENT_WORKERS']) expect(problems).toContain(v);
    }
  });

  it('should default to a single-node Region whose Raft port is the HTTP port plus 1000', () => {
    const sut = loadNodeConfig({ TRENT_REGION: 'us-east-1', TRENT_PORT: '4567', TRENT_DATA_DIR: '/tmp/x/n1' });
    expect(sut.raft).toEqual({ host: '127.0.0.1', port: 5567, peers: { '1': { host: '127.0.0.1', port: 5567 } }, tickMs: 50, electionTicks: 10, compactAfter: 10_000, trailingEntries: 1_000, join: false });
  });

  it('should read the Region voters from TRENT_RAFT_PEERS', () => {
    const sut = loadNodeConfig({ TRENT_REGION: 'us-east-1', TRENT_NODE_ID: '2', TRENT_DATA_DIR: '/tmp/x/n2', TRENT_RAFT_PORT: '7002', TRENT_RAFT_PEERS: '1=127.0.0.1:7001, 2=127.0.0.1:7002,3=127.0.0.2:7003' });
    expect(Object.keys(sut.raft.peers)).toEqual(['1', '2', '3']);
    expect(sut.raft.peers['3']).toEqual({ host: '127.0.0.2', port: 7003 });
  });

  it('should refuse a peer list that is malformed or leaves this node out', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadNodeConfig({ TRENT_REGION: 'us-east-1', TRENT_DATA_DIR: '/tmp/x', ...env });
        return '';
      } catch (e) {
        return (e as ConfigError).problems.join('\n');
      }
    };
    expect(problems({ TRENT_RAFT_PEERS: '1=localhost' })).toContain("'1=localhost' must look like");
    expect(problems({ TRENT_RAFT_PEERS: '2=127.0.0.1:7002' })).toContain('does not name this node (1)');
    expect(problems({ TRENT_RAFT_TICK_MS: '0', TRENT_RAFT_ELECTION_TICKS: '1' })).toMatch(/TRENT_RAFT_TICK_MS[\s\S]*TRENT_RAFT_ELECTION_TICKS/);
  });

  it('should turn replication on with TRENT_NATS_URL, its key files beside the Region and cluster directories by default', () => {
    expect(loadNodeConfig({ TRENT_REGION: 'us-east-1', TRENT_DATA_DIR: '/tmp/x/us-east-1/node-1' }).replication).toBeUndefined();
    const sut = loadNodeConfig({ TRENT_REGION: 'us-east-1', TRENT_DATA_DIR: '/tmp/x/us-east-1/node-1', TRENT_NATS_URL: 'nats://127.0.0.1:4222' });
    expect(sut.replication).toEqual({ natsUrl: 'nats://127.0.0.1:4222', keyFile: '/tmp/x/us-east-1/replication-key.json', trustFile: '/tmp/x/replication-trust.json' });
    expect(() => loadNodeConfig({ TRENT_REGION: 'us-east-1', TRENT_DATA_DIR: '/tmp/x', TRENT_NATS_URL: 'http://x' })).toThrow(/TRENT_NATS_URL='http:\/\/x' must look like/);
  });
});
