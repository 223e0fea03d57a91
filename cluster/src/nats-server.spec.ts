import { findNatsServer, natsConfig } from './nats-server';
import { layOut } from './topology';

describe(natsConfig.name, () => {
  const topology = layOut('127.0.0.1', 4566, ['us-east-1', 'us-west-2', 'eu-west-1'], [3, 3, 3]);

  it('should listen on the Region\'s ports and name every Region as a gateway, itself included', () => {
    const sut = natsConfig(topology, 'us-west-2');

    expect(sut).toContain('server_name: "us-west-2"\n');
    expect(sut).toContain('host: "127.0.0.1"\nport: 6567\nhttp: "127.0.0.1:8567"\n');
    expect(sut).toContain('gateway {\n  name: "us-west-2"\n  host: "127.0.0.1"\n  port: 7567\n  gateways: [\n');
    expect(sut).toContain(
      [
        '    { name: "us-east-1", urls: ["nats://127.0.0.1:7566"] }',
        '    { name: "us-west-2", urls: ["nats://127.0.0.1:7567"] }',
        '    { name: "eu-west-1", urls: ["nats://127.0.0.1:7568"] }',
      ].join('\n'),
    );
    expect(sut).not.toContain('jetstream');
  });

  it('should refuse a Region the topology does not have', () => {
    expect(() => natsConfig(topology, 'ap-south-1')).toThrow('the topology has no Region ap-south-1');
  });
});

describe(findNatsServer.name, () => {
  it('should take TRENT_NATS_SERVER when it is executable, and report none when it is not', () => {
    expect(findNatsServer({ TRENT_NATS_SERVER: process.execPath })).toBe(process.execPath);
    expect(findNatsServer({ TRENT_NATS_SERVER: '/nonexistent/nats-server' })).toBeUndefined();
  });

  it('should look in /usr/sbin, where Debian puts it, even when PATH lacks it', () => {
    expect(findNatsServer({ PATH: '/nonexistent' })).toBe('/usr/sbin/nats-server');
  });
});
