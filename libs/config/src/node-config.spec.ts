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
});
