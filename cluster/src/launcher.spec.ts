import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { eventually, FAKE_NODE, fakeLauncher, removeTempDataDirs } from '../test-fixtures/fake-cluster';
import { ClusterError } from './cluster-error';
import { isProcessAlive, readClusterRecord, type ClusterRecord } from './cluster-record';
import { requestJson } from './http-json';
import { Launcher, type LauncherOptions } from './launcher';
import { layOut } from './topology';

jest.setTimeout(30_000);

const signedFor = (region: string): Record<string, string> => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${region}/kms/aws4_request, SignedHeaders=host, Signature=00`,
});

describe(Launcher.name, () => {
  const started: Launcher[] = [];
  let info: string[];
  let warn: string[];

  async function launcher(overrides: Partial<LauncherOptions> & { regions?: string[]; nodes?: number } = {}): Promise<Launcher> {
    const sut = await fakeLauncher({
      regions: ['us-east-1', 'eu-west-1'],
      nodes: 1,
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

    expect(warn.find((line) => line.includes('exited'))).toMatch(
      /us-east-1 node-1 \(pid \d+\) exited \(signal SIGKILL\); it is not restarted \(`trent start us-east-1\/1` does\)/,
    );
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

describe(`${Launcher.name} with multi-node Regions`, () => {
  const started: Launcher[] = [];
  let info: string[];
  let warn: string[];

  async function startRegion(nodes: number, overrides: Partial<LauncherOptions> = {}): Promise<{ sut: Launcher; record: ClusterRecord }> {
    info = [];
    warn = [];
    const sut = await fakeLauncher({ regions: ['us-east-1'], nodes, report: { info: (line) => info.push(line), warn: (line) => warn.push(line) }, ...overrides });
    started.push(sut);
    return { sut, record: await sut.start() };
  }

  const control = (record: ClusterRecord, action: 'kill' | 'start', body: unknown) =>
    requestJson<Record<string, unknown>>(`${record.gateway.url}/_trent/cluster/${action}`, { method: 'POST', body, timeoutMs: 15_000 });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((sut) => sut.stop()));
  });

  afterAll(removeTempDataDirs);

  it('should give every node its Raft port and the Region voters, and wait for a leader', async () => {
    const { record } = await startRegion(3);

    expect(record.nodes.map((node) => node.raftPort)).toEqual(record.nodes.map((node) => node.port + 1000));
    const views = await Promise.all(
      record.nodes.map((node) => requestJson<{ raft: { voters: string[]; leader: string } }>(`${node.url}/_trent/status`)),
    );
    const leader = views[0].body.raft.leader;
    for (const view of views) expect(view.body.raft).toEqual(expect.objectContaining({ voters: ['1', '2', '3'], leader }));
    const ports = record.nodes.map((node) => `:${node.port}`).join(' ');
    expect(info).toContainEqual(`  us-east-1      up  3 nodes (${ports}), leader node-${leader}, NATS :${record.gateway.port + 2000}, in ${/in (\d+\.\d) s$/.exec(info.join('\n'))?.[1]} s`);
  });

  it('should warn about an even node count', async () => {
    await startRegion(2);

    expect(warn).toContain(
      'warning: Region us-east-1 has 2 nodes: a majority is 2, so it survives 0 failures, like 1 node; odd counts are recommended',
    );
  });

  it('should give up when a Region never agrees on a leader, naming each view', async () => {
    const failure = await startRegion(3, { readyTimeoutMs: 1_000, env: { FAKE_NODE_NO_LEADER: '1' } }).catch((err: unknown) => err);

    expect((failure as Error).message).toMatch(
      /^us-east-1 has no leader after 1 s \(node-1: follower in term 0, no leader; node-2: .*node-3: follower in term 0, no leader\); see /,
    );
  });

  it('should kill a node on request, record its exit, and start it again with the same ports', async () => {
    const { sut, record } = await startRegion(3);
    const victim = { ...record.nodes[1] };

    const killed = await control(record, 'kill', { node: 'us-east-1/node-2', signal: 'SIGKILL' });

    expect(killed).toMatchObject({ status: 200, body: { node: 'us-east-1/2', pid: victim.pid, state: 'exited', signal: 'SIGKILL', exit: { signal: 'SIGKILL' } } });
    await eventually(() => readClusterRecord(sut.dataDir)?.nodes[1].exit?.signal === 'SIGKILL');
    expect(await control(record, 'kill', { node: 'us-east-1/2' })).toMatchObject({
      status: 409,
      body: { message: 'us-east-1 node-2 is not running (it exited: signal SIGKILL); `trent start us-east-1/2` starts it' },
    });

    const restarted = await control(record, 'start', { node: 'us-east-1/2' });

    expect(restarted).toMatchObject({ status: 200, body: { node: 'us-east-1/2', state: 'running' } });
    const after = readClusterRecord(sut.dataDir)!.nodes[1];
    expect(after.pid).toBe(restarted.body.pid);
    expect(after.pid).not.toBe(victim.pid);
    expect(after.exit).toBeUndefined();
    expect((await requestJson(`${victim.url}/_trent/health`)).status).toBe(200);
    expect(await control(record, 'start', { node: 'us-east-1/2' })).toMatchObject({
      status: 409,
      body: { message: `us-east-1 node-2 is already running (pid ${after.pid})` },
    });
  });

  it('should stop a node gracefully on SIGTERM', async () => {
    const { record } = await startRegion(3);

    const stopped = await control(record, 'kill', { node: 'us-east-1/3', signal: 'SIGTERM' });

    expect(stopped.body).toMatchObject({ state: 'exited', exit: { code: 0, signal: null } });
    expect(readFileSync(record.nodes[2].logFile, 'utf8')).toContain('stopping on SIGTERM');
  });

  it('should pause and resume a node, and show it paused in the status', async () => {
    const { sut, record } = await startRegion(3);

    const paused = await control(record, 'kill', { node: 'us-east-1/3', signal: 'SIGSTOP' });

    expect(paused.body).toMatchObject({ state: 'paused', pid: record.nodes[2].pid });
    expect(readClusterRecord(sut.dataDir)!.nodes[2].paused).toBe(true);
    const status = await requestJson<{ regions: { nodes: { state: string }[] }[] }>(`${record.gateway.url}/_trent/status`);
    expect(status.body.regions[0].nodes.map((node) => node.state)).toEqual(['up', 'up', 'paused']);
    expect((await control(record, 'kill', { node: 'us-east-1/3', signal: 'SIGSTOP' })).status).toBe(409);

    const resumed = await control(record, 'kill', { node: 'us-east-1/3', signal: 'SIGCONT' });

    expect(resumed.body).toMatchObject({ state: 'running' });
    expect(readClusterRecord(sut.dataDir)!.nodes[2].paused).toBeUndefined();
    expect((await requestJson(`${record.nodes[2].url}/_trent/health`)).status).toBe(200);
  });

  describe('refusing bad requests', () => {
    let shared: Launcher;
    let record: ClusterRecord;

    // One Region for every case: started once, stopped in afterAll rather than after each.
    beforeAll(async () => {
      ({ sut: shared, record } = await startRegion(3));
      started.splice(started.indexOf(shared), 1);
    });

    afterAll(() => shared.stop());

    it.each([
      [{ node: 'us-east-1/9' }, 404, 'us-east-1 has no node 9; its nodes: 1, 2, 3'],
      [{ node: 'ap-south-1/1' }, 404, 'Region ap-south-1 is not running here; running Regions: us-east-1'],
      [{ node: 'node-1' }, 400, '"node-1" is not a node name; use <region>/<id>, e.g. us-east-1/2'],
      [{ node: 'us-east-1/1', signal: 'SIGHUP' }, 400, '"signal" must be one of SIGKILL, SIGTERM, SIGSTOP, SIGCONT'],
      [{ nodes: 'us-east-1/1' }, 400, 'body must be JSON like {"node":"us-east-1/2"} or {"region":"us-east-1"} for the whole Region'],
    ])('should refuse %j with %d', async (body, status, message) => {
      expect(await control(record, 'kill', body)).toEqual({ status, body: { message } });
    });
  });
});

describe(`${Launcher.name} membership changes`, () => {
  const started: Launcher[] = [];
  let info: string[];
  let warn: string[];

  interface FakeStatus {
    raft: { role: string; leader: string | null; voters: string[] };
    fake: { raftPeers: string; join: boolean };
  }

  async function startRegion(nodes: number, overrides: Partial<LauncherOptions> = {}): Promise<{ sut: Launcher; record: ClusterRecord }> {
    info = [];
    warn = [];
    const sut = await fakeLauncher({ regions: ['us-east-1'], nodes, report: { info: (line) => info.push(line), warn: (line) => warn.push(line) }, ...overrides });
    started.push(sut);
    return { sut, record: await sut.start() };
  }

  const control = (record: ClusterRecord, action: 'kill' | 'start' | 'add' | 'remove', body: unknown) =>
    requestJson<Record<string, unknown>>(`${record.gateway.url}/_trent/cluster/${action}`, { method: 'POST', body, timeoutMs: 30_000 });
  const statusOf = async (url: string): Promise<FakeStatus> => (await requestJson<FakeStatus>(`${url}/_trent/status`)).body;
  const gatewayNodes = async (record: ClusterRecord): Promise<string[]> =>
    (await requestJson<{ regions: { nodes: { id: string }[] }[] }>(`${record.gateway.url}/_trent/status`)).body.regions[0].nodes.map((node) => node.id);
  const leaderOf = async (record: ClusterRecord): Promise<string> => (await statusOf(record.nodes[0].url)).raft.leader!;
  async function waitFor(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((sut) => sut.stop()));
  });

  afterAll(removeTempDataDirs);

  it('should start a joining node on the next id and ports, have the leader add it, and route to it', async () => {
    const { sut, record } = await startRegion(3);

    const added = await control(record, 'add', { region: 'us-east-1' });

    expect(added.status).toBe(200);
    const port = added.body.port as number;
    expect(added.body).toMatchObject({ node: 'us-east-1/4', raftPort: port + 1000, voters: ['1', '2', '3', '4'], learners: [] });
    expect(port).toBeGreaterThan(record.nodes[2].port);
    const entry = readClusterRecord(sut.dataDir)!.nodes[3];
    expect(entry).toMatchObject({ region: 'us-east-1', nodeId: '4', port, pid: added.body.pid, url: `http://127.0.0.1:${port}` });
    expect(entry.addedAt).toEqual(expect.any(String));
    const joined = await statusOf(entry.url);
    expect(joined.fake).toMatchObject({
      join: true,
      raftPeers: [...record.nodes.slice(0, 3).map((node) => `${node.nodeId}=127.0.0.1:${node.raftPort}`), `4=127.0.0.1:${port + 1000}`].join(','),
    });
    expect(joined.raft.voters).toEqual(['1', '2', '3', '4']);
    expect(await gatewayNodes(record)).toEqual(['1', '2', '3', '4']);
    const answered = new Set<unknown>();
    for (let i = 0; i < 8; i++) answered.add(((await post(record.gateway.url, signedFor('us-east-1'))) as { nodeId: string }).nodeId);
    expect(answered).toContain('4');
    expect(info).toContainEqual('supervisor: us-east-1 node-4 joined us-east-1; voters 1 2 3 4');
  });

  it('should remove the leader, stop its process, keep its data, and restart the rest with the current members', async () => {
    const { sut, record } = await startRegion(3);
    await control(record, 'add', { region: 'us-east-1' });
    const leader = await leaderOf(record);
    const victim = record.nodes.find((node) => node.nodeId === leader)!;

    const removed = await control(record, 'remove', { node: `us-east-1/${leader}` });

    expect(removed).toMatchObject({ status: 200, body: { node: `us-east-1/${leader}`, pid: victim.pid, learners: [] } });
    expect(removed.body.voters).toEqual(['1', '2', '3', '4'].filter((id) => id !== leader));
    expect(isProcessAlive(victim.pid)).toBe(false);
    expect(existsSync(victim.dataDir)).toBe(true);
    expect(readClusterRecord(sut.dataDir)!.nodes.find((node) => node.nodeId === leader)!.removedAt).toEqual(expect.any(String));
    expect(await gatewayNodes(record)).toEqual(removed.body.voters);
    expect(warn.filter((line) => line.includes('exited'))).toEqual([]);
    const rest = readClusterRecord(sut.dataDir)!.nodes.filter((node) => !node.removedAt);
    await waitFor(async () => ![null, leader].includes((await statusOf(rest[0].url)).raft.leader));

    const other = rest.find((node) => node.nodeId !== '4')!;
    await control(record, 'kill', { node: `us-east-1/${other.nodeId}` });
    await control(record, 'start', { node: `us-east-1/${other.nodeId}` });

    const restarted = await statusOf(other.url);
    expect(restarted.fake).toMatchObject({ join: false, raftPeers: rest.map((node) => `${node.nodeId}=127.0.0.1:${node.raftPort}`).join(',') });
    expect(await control(record, 'start', { node: `us-east-1/${leader}` })).toMatchObject({
      status: 409,
      body: { message: expect.stringMatching(new RegExp(`^us-east-1 node-${leader} was removed from the Region; ids are not reused`)) },
    });
    expect((await control(record, 'remove', { node: `us-east-1/${leader}` })).status).toBe(409);
  });

  it('should stop a node the leader would not add, report why, and not reuse its id', async () => {
    const { sut, record } = await startRegion(3, { env: { FAKE_NODE_ADD_TIMEOUT: '1' } });

    const failed = await control(record, 'add', { region: 'us-east-1' });

    expect(failed).toMatchObject({ status: 504, body: { message: expect.stringMatching(/^us-east-1: node-\d answered: node 4 \(127\.0\.0\.1:\d+\) did not catch up within 60 s; it stays a learner$/) } });
    expect(readClusterRecord(sut.dataDir)!.nodes.map((node) => node.nodeId)).toEqual(['1', '2', '3']);
    expect(await gatewayNodes(record)).toEqual(['1', '2', '3']);
    const marker = Number(readFileSync(join(sut.dataDir, 'us-east-1', 'node-4', 'fake-node.marker'), 'utf8'));
    expect(isProcessAlive(marker)).toBe(false);
    // The leader was asked to drop the learner again.
    expect((await statusOf(record.nodes[0].url)).raft).toMatchObject({ voters: ['1', '2', '3'] });
    expect(warn).toContainEqual(expect.stringMatching(/^supervisor: us-east-1 node-4 did not join us-east-1; stopped it again/));

    expect((await control(record, 'add', { region: 'us-east-1' })).body.message).toContain('node 5 (');
  });

  it('should refuse to remove the last node, or to change a Region with no leader', async () => {
    const { record: single } = await startRegion(1);
    expect(await control(single, 'remove', { node: 'us-east-1/1' })).toEqual({
      status: 409,
      body: { message: 'us-east-1 node-1 is the only node of us-east-1; a Region cannot lose its last voter' },
    });

    const { record } = await startRegion(3);
    const leader = await leaderOf(record);
    const [down, survivor] = ['1', '2', '3'].filter((id) => id !== leader);
    await control(record, 'kill', { node: `us-east-1/${leader}` });
    await control(record, 'kill', { node: `us-east-1/${down}` });

    expect(await control(record, 'remove', { node: `us-east-1/${survivor}` })).toEqual({
      status: 409,
      body: { message: `us-east-1 has no leader right now (node-${survivor}: candidate); try again in a moment` },
    });
  });

  it.each([
    [{ region: 'ap-south-1' }, 'add', 404, 'Region ap-south-1 is not running here; running Regions: us-east-1'],
    [{ node: 'us-east-1/1' }, 'add', 400, 'body must be JSON like {"region":"us-east-1"}'],
    [{ node: 'us-east-1/9' }, 'remove', 404, 'us-east-1 has no node 9; its nodes: 1'],
    [{ region: 'us-east-1' }, 'remove', 400, 'body must be JSON like {"node":"us-east-1/2"}'],
  ] as const)('should refuse %j on %s with %d', async (body, action, status, message) => {
    const { record } = await startRegion(1);

    expect(await control(record, action, body)).toEqual({ status, body: { message } });
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

describe(`${Launcher.name} with NATS and whole Regions`, () => {
  let sut: Launcher;
  let record: ClusterRecord;
  let warn: string[];
  const regions = ['us-east-1', 'eu-west-1'];

  const control = (action: 'kill' | 'start', body: unknown) =>
    requestJson<Record<string, unknown>>(`${record.gateway.url}/_trent/cluster/${action}`, { method: 'POST', body, timeoutMs: 20_000 });
  const gatewayz = async (port: number): Promise<string[]> =>
    Object.keys((await requestJson<{ outbound_gateways: Record<string, unknown> }>(`http://127.0.0.1:${port}/gatewayz`)).body.outbound_gateways);

  beforeAll(async () => {
    warn = [];
    sut = await fakeLauncher({
      regions,
      nodes: 2,
      env: { FAKE_NODE_REPLICATION: '1' },
      report: { info: () => undefined, warn: (line) => warn.push(line) },
    });
    record = await sut.start();
  });

  afterAll(async () => {
    await sut.stop();
    removeTempDataDirs();
  });

  it('should start a nats-server per Region, joined by gateways, and record it', async () => {
    const port = record.gateway.port;
    expect(record.nats).toEqual([
      expect.objectContaining({ region: 'us-east-1', url: `nats://127.0.0.1:${port + 2000}`, port: port + 2000, gatewayPort: port + 3000, monitorPort: port + 4000 }),
      expect.objectContaining({ region: 'eu-west-1', url: `nats://127.0.0.1:${port + 2001}`, port: port + 2001, gatewayPort: port + 3001, monitorPort: port + 4001 }),
    ]);
    for (const nats of record.nats!) {
      expect(isProcessAlive(nats.pid, nats.confFile)).toBe(true);
      expect(nats.confFile).toBe(join(sut.dataDir, nats.region, 'nats.conf'));
      expect(nats.logFile).toBe(join(sut.dataDir, 'logs', `nats-${nats.region}.log`));
    }
    expect(await gatewayz(port + 4000)).toEqual(['eu-west-1']);
    expect(await gatewayz(port + 4001)).toEqual(['us-east-1']);
    expect(readFileSync(record.nats![0].logFile, 'utf8')).toContain('Server is ready');
  });

  it('should hand each node its Region\'s NATS URL, key file and the trust file', async () => {
    for (const node of record.nodes) {
      const status = await requestJson<{ fake: Record<string, string>; replication: { nats: string } }>(`${node.url}/_trent/status`);
      expect(status.body.fake).toMatchObject({
        natsUrl: record.nats!.find((nats) => nats.region === node.region)!.url,
        replicationKeyFile: join(sut.dataDir, node.region, 'replication-key.json'),
        replicationTrustFile: join(sut.dataDir, 'replication-trust.json'),
      });
    }
    expect(existsSync(join(sut.dataDir, 'us-east-1', 'replication-key.json'))).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(join(sut.dataDir, 'replication-trust.json'), 'utf8')).regions)).toEqual(regions);
  });

  it('should kill a whole Region with its NATS, answer for it with a 503, and start it again', async () => {
    const east = record.nodes.filter((node) => node.region === 'us-east-1');
    const eastNats = record.nats![0];

    const killed = await control('kill', { region: 'us-east-1' });

    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({
      region: 'us-east-1',
      signal: 'SIGKILL',
      processes: [
        { name: 'nats-server', pid: eastNats.pid, state: 'exited', exit: { signal: 'SIGKILL' } },
        { name: 'node-1', pid: east[0].pid, state: 'exited', exit: { signal: 'SIGKILL' } },
        { name: 'node-2', pid: east[1].pid, state: 'exited', exit: { signal: 'SIGKILL' } },
      ],
    });
    expect(isProcessAlive(eastNats.pid, eastNats.confFile)).toBe(false);
    const after = readClusterRecord(sut.dataDir)!;
    expect(after.nats![0].exit).toMatchObject({ signal: 'SIGKILL' });
    expect(after.nodes.filter((node) => node.region === 'us-east-1').map((node) => node.exit?.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(warn.filter((line) => line.includes('exited'))).toEqual([]); // one answer for the Region, not a warning per process

    const down = await requestJson<Record<string, string>>(record.gateway.url, { method: 'POST', body: {}, timeoutMs: 5_000, headers: signedFor('us-east-1') });
    expect(down).toEqual({
      status: 503,
      body: { __type: 'KMSInternalException', message: 'Region us-east-1 is down: none of its 2 nodes answers (trent start us-east-1 brings it back)' },
    });
    const west = await requestJson<Record<string, string>>(record.gateway.url, { method: 'POST', body: {}, headers: signedFor('eu-west-1') });
    expect(west.body).toMatchObject({ fake: true, region: 'eu-west-1' });
    expect((await control('kill', { region: 'us-east-1' })).body).toEqual({
      message: 'us-east-1 is down already (its nats-server and 2 nodes); `trent start us-east-1` brings it back',
    });

    const started = await control('start', { region: 'us-east-1' });

    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      region: 'us-east-1',
      leader: expect.stringMatching(/^[12]$/),
      gateways: ['eu-west-1'],
      processes: [
        { name: 'nats-server', state: 'running' },
        { name: 'node-1', state: 'running' },
        { name: 'node-2', state: 'running' },
      ],
    });
    const back = readClusterRecord(sut.dataDir)!;
    expect(isProcessAlive(back.nats![0].pid, back.nats![0].confFile)).toBe(true);
    expect(back.nats![0].exit).toBeUndefined();
    const answer = await requestJson<Record<string, string>>(record.gateway.url, { method: 'POST', body: {}, headers: signedFor('us-east-1') });
    expect(answer.body).toMatchObject({ fake: true, region: 'us-east-1' });
    expect((await control('start', { region: 'us-east-1' })).body).toEqual({
      message: 'us-east-1 is already running (its nats-server and 2 nodes); `trent status` shows them',
    });
  });

  it('should stop a Region gracefully, nodes then NATS, and pause and resume one', async () => {
    const stopped = await control('kill', { region: 'eu-west-1', signal: 'SIGTERM' });
    expect(stopped.body).toMatchObject({
      signal: 'SIGTERM',
      processes: [
        { name: 'nats-server', state: 'exited' },
        { name: 'node-1', state: 'exited', exit: { code: 0 } },
        { name: 'node-2', state: 'exited', exit: { code: 0 } },
      ],
    });
    expect((await control('start', { region: 'eu-west-1' })).status).toBe(200);

    const paused = await control('kill', { region: 'eu-west-1', signal: 'SIGSTOP' });
    expect(paused.body).toMatchObject({ processes: [{ state: 'paused' }, { state: 'paused' }, { state: 'paused' }] });
    expect(readClusterRecord(sut.dataDir)!.nats![1].paused).toBe(true);
    const resumed = await control('kill', { region: 'eu-west-1', signal: 'SIGCONT' });
    expect(resumed.body).toMatchObject({ processes: [{ state: 'running' }, { state: 'running' }, { state: 'running' }] });
  });

  it('should still address a single node as us-east-1/2', async () => {
    const killed = await control('kill', { node: 'us-east-1/2' });
    expect(killed.body).toMatchObject({ node: 'us-east-1/2', state: 'exited' });
    expect(isProcessAlive(readClusterRecord(sut.dataDir)!.nats![0].pid)).toBe(true);
    const started = await control('start', { region: 'us-east-1' });
    expect(started.body).toMatchObject({ processes: [{ name: 'nats-server', skipped: 'was running' }, { name: 'node-1', skipped: 'was running' }, { name: 'node-2', state: 'running' }] });
  });
});
