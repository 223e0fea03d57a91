import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { eventually, FAKE_NODE, freePortBlock, removeTempDataDirs, tempDataDir } from '../test-fixtures/fake-cluster';
import { ClusterError } from './cluster-error';
import { isProcessAlive, readClusterRecord, type ClusterRecord } from './cluster-record';
import { requestJson } from './http-json';
import { Launcher, type LauncherOptions } from './launcher';
import { defaultIdentitiesFile } from './paths';
import { layOut } from './topology';

jest.setTimeout(30_000);

const signedFor = (region: string): Record<string, string> => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${region}/kms/aws4_request, SignedHeaders=host, Signature=00`,
});

describe(Launcher.name, () => {
  const started: Launcher[] = [];
  let info: string[];
  let warn: string[];

  async function launcher(overrides: Partial<LauncherOptions> & { regions?: string[] } = {}): Promise<Launcher> {
    const regions = overrides.regions ?? ['us-east-1', 'eu-west-1'];
    const port = await freePortBlock(regions.length);
    const sut = new Launcher({
      topology: layOut('127.0.0.1', port, regions, regions.map(() => 1)),
      dataDir: tempDataDir(),
      identitiesFile: defaultIdentitiesFile(),
      entryPoint: FAKE_NODE,
      readyTimeoutMs: 10_000,
      stopGraceMs: 2_000,
      gatewayHealthIntervalMs: 200,
      report: { info: (line) => info.push(line), warn: (line) => warn.push(line) },
      ...overrides,
    });
    started.push(sut);
    return sut;
  }

  beforeEach(() => {
    info = [];
    warn = [];
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((sut) => sut.stop()));
  });

  afterAll(removeTempDataDirs);

  it('should start every node, then the gateway, and record them in cluster.json', async () => {
    const sut = await launcher();

    const record = await sut.start();

    expect(record.state).toBe('running');
    expect(readClusterRecord(sut.dataDir)).toEqual(record);
    expect(record.supervisorPid).toBe(process.pid);
    expect(record.nodes.map((node) => [node.region, node.nodeId, node.port])).toEqual([
      ['us-east-1', '1', record.gateway.port + 1],
      ['eu-west-1', '1', record.gateway.port + 2],
    ]);
    for (const node of record.nodes) {
      expect(isProcessAlive(node.pid)).toBe(true);
      expect(node.logFile).toBe(join(sut.dataDir, 'logs', `${node.region}-node-1.log`));
      expect(existsSync(join(sut.dataDir, node.region, 'node-1', 'fake-node.marker'))).toBe(true);
      expect(existsSync(join(sut.dataDir, node.region, 'domain.key'))).toBe(true);
    }
    expect(info.filter((line) => / up {2}1 node/.test(line))).toHaveLength(2);
  });

  it('should route through its gateway to the node of the signed Region', async () => {
    const sut = await launcher();
    const record = await sut.start();

    const west = await post(record.gateway.url, signedFor('eu-west-1'));
    const east = await post(record.gateway.url, signedFor('us-east-1'));
    const unsigned = await requestJson(record.gateway.url, { method: 'POST', body: {} });

    expect(west).toMatchObject({ fake: true, region: 'eu-west-1', nodeId: '1' });
    expect(east).toMatchObject({ fake: true, region: 'us-east-1', nodeId: '1' });
    expect(unsigned.body).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('should pass the node contract environment to each node', async () => {
    const sut = await launcher({ regions: ['us-east-1'] });
    const record = await sut.start();

    const status = await requestJson<Record<string, unknown>>(`${record.nodes[0].url}/_trent/status`);
    const clock = await requestJson(`${record.nodes[0].url}/_trent/clock/advance`, { method: 'POST', body: { seconds: 60 } });

    expect(status.body).toMatchObject({ region: 'us-east-1', nodeId: '1', pid: record.nodes[0].pid });
    expect(clock.status).toBe(200); // TRENT_DEV_MODE=1 by default
  });

  it('should stop every node gracefully and remove cluster.json', async () => {
    const sut = await launcher();
    const record = await sut.start();

    await sut.stop();

    for (const node of record.nodes) expect(isProcessAlive(node.pid)).toBe(false);
    expect(readClusterRecord(sut.dataDir)).toBeUndefined();
    for (const node of record.nodes) expect(readFileSync(node.logFile, 'utf8')).toContain('stopping on SIGTERM');
  });

  it('should SIGKILL a node that ignores SIGTERM once the grace period is over', async () => {
    const sut = await launcher({ regions: ['us-east-1'], stopGraceMs: 500, env: { FAKE_NODE_IGNORE_SIGTERM: '1' } });
    const record = await sut.start();

    const before = Date.now();
    await sut.stop();

    expect(isProcessAlive(record.nodes[0].pid)).toBe(false);
    expect(Date.now() - before).toBeGreaterThanOrEqual(450);
  });

  it('should refuse a second start on a data directory whose supervisor is alive', async () => {
    const first = await launcher({ regions: ['us-east-1'] });
    await first.start();
    const second = await launcher({ regions: ['us-east-1'], dataDir: first.dataDir });

    await expect(second.start()).rejects.toThrow(/Trent is already running from .* \(supervisor pid \d+, endpoint http:\/\/127\.0\.0\.1:\d+\); run `trent down` first/);
    expect(readClusterRecord(first.dataDir)?.state).toBe('running');
  });

  it('should give up on a node that never becomes healthy, show its log and stop everything', async () => {
    const sut = await launcher({ regions: ['us-east-1'], readyTimeoutMs: 1_000, env: { FAKE_NODE_NEVER_HEALTHY: '1' } });

    const failure = await sut.start().catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(ClusterError);
    expect((failure as Error).message).toMatch(/us-east-1 node-1 did not answer \/_trent\/health within 1 s; see .*us-east-1-node-1\.log/);
    expect(warn.join('\n')).toContain('fake node listening');
    expect(readClusterRecord(sut.dataDir)).toBeUndefined();
    const marker = readFileSync(join(sut.dataDir, 'us-east-1', 'node-1', 'fake-node.marker'), 'utf8');
    await eventually(() => !isProcessAlive(Number(marker)));
  });

  it('should fail fast when a node exits while starting', async () => {
    const sut = await launcher({ regions: ['us-east-1'], readyTimeoutMs: 10_000, env: { FAKE_NODE_EXIT_CODE: '3' } });

    const before = Date.now();
    await expect(sut.start()).rejects.toThrow('us-east-1 node-1 exited while starting (exit code 3)');

    expect(Date.now() - before).toBeLessThan(5_000);
    expect(warn.join('\n')).toContain('fake node told to fail at start');
  });

  it('should report a node that exits later, record it, and not restart it', async () => {
    const sut = await launcher();
    const record = await sut.start();
    const victim = record.nodes[0];

    process.kill(victim.pid!, 'SIGKILL');
    await eventually(() => warn.some((line) => line.includes('exited')));

    expect(warn.find((line) => line.includes('exited'))).toMatch(/us-east-1 node-1 \(pid \d+\) exited \(signal SIGKILL\); it is not restarted/);
    const after = readClusterRecord(sut.dataDir) as ClusterRecord;
    expect(after.nodes[0].exit).toMatchObject({ signal: 'SIGKILL' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await requestJson(`${victim.url}/_trent/health`).catch(() => undefined))?.status).toBeUndefined();
  });

  it('should refuse to start when a port is taken', async () => {
    const first = await launcher({ regions: ['us-east-1'] });
    const record = await first.start();
    const second = await launcher({
      regions: ['us-east-1'],
      topology: layOut('127.0.0.1', record.gateway.port, ['us-east-1'], [1]),
    });

    await expect(second.start()).rejects.toThrow(/ports? .*already in use/);
  });

  it('should keep the data directory across a stop and a start', async () => {
    const sut = await launcher({ regions: ['us-east-1'] });
    await sut.start();
    const key = readFileSync(join(sut.dataDir, 'us-east-1', 'domain.key'));
    await sut.stop();
    const again = await launcher({ regions: ['us-east-1'], dataDir: sut.dataDir });

    await again.start();

    expect(readFileSync(join(sut.dataDir, 'us-east-1', 'domain.key')).equals(key)).toBe(true);
  });
});

function post(url: string, headers: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end('{}');
  });
}
