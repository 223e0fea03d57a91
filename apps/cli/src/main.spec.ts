import { spawnSync } from 'node:child_process';
import {
  defaultIdentitiesFile,
  isProcessAlive,
  Launcher,
  layOut,
  readClusterRecord,
  writeClusterRecord,
  type ClusterRecord,
} from '@trent/cluster';
import { eventually, FAKE_NODE, freePortBlock, removeTempDataDirs, tempDataDir } from '../../../cluster/test-fixtures/fake-cluster';
import type { CliIo } from './io';
import { run } from './main';

jest.setTimeout(30_000);

/** Runs a command line and keeps what a user would see. */
async function trent(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const code = await run(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe(run.name, () => {
  afterAll(removeTempDataDirs);

  describe('usage', () => {
    it('should print help on --help and exit 0', async () => {
      const sut = await trent('--help');
      expect(sut).toMatchObject({ code: 0, stderr: '' });
      expect(sut.stdout).toMatch(/^Usage: trent <command>/);
    });

    it('should print the node command\'s help', async () => {
      const sut = await trent('node', '--help');
      expect(sut).toMatchObject({ code: 0, stderr: '' });
      expect(sut.stdout).toMatch(/^Usage: trent node add <region> \[options\]\n {7}trent node remove <region>\/<id> \[options\]/);
    });

    it("should print a command's help", async () => {
      const sut = await trent('up', '--help');
      expect(sut.code).toBe(0);
      expect(sut.stdout).toContain('--detach');
    });

    it.each([
      [[], 'no command given'],
      [['launch'], 'unknown command "launch"'],
      [['up', '--bogus'], "unknown option '--bogus'"],
      [['status', 'extra'], "unexpected argument 'extra'"],
      [['up', '--port'], "option '--port <value>' argument missing"],
      [['up', '--port', 'abc'], '--port must be a whole number'],
      [['up', '--nodes', '9'], 'Region us-east-1 asks for 9 nodes; a Region has at most 7'],
      [['up', '--regions', 'us-east-1,moon'], '"moon" is not a Region name'],
      [['clock'], 'say what to do with the clock'],
      [['clock', 'advance'], 'say how far to advance'],
      [['clock', 'advance', '1h30m'], '"1h30m" is not a duration; use a whole number and one unit: 31d, 12h, 90m or 3600s'],
      [['kill'], 'say which node or Region, e.g. us-east-1/2 or us-east-1'],
      [['start', 'moon'], '"moon" is neither a node nor a Region; use <region>/<id> (us-east-1/2) or a Region (us-east-1)'],
      [['pause', 'us-east-1/node-x'], '"us-east-1/node-x" is neither a node nor a Region'],
      [['resume', 'us-east-1/1', 'us-east-1/2'], 'unexpected argument "us-east-1/2"'],
      [['transfer-leader'], 'say which Region, e.g. us-east-1'],
      [['transfer-leader', 'us-east-1', '--to', 'leader'], '--to must be a node id such as 2 or node-2 (got "leader")'],
      [['node'], 'say what to do: add <region> or remove <region>/<id>'],
      [['node', 'grow', 'us-east-1'], 'unknown node action "grow"; use add or remove'],
      [['node', 'add'], 'say which Region, e.g. us-east-1'],
      [['node', 'add', 'moon'], '"moon" is not a Region name; use e.g. us-east-1'],
      [['node', 'add', 'us-east-1', 'eu-west-1'], 'unexpected argument "eu-west-1"'],
      [['node', 'remove'], 'say which node, e.g. us-east-1/2'],
      [['node', 'remove', 'us-east-1'], '"us-east-1" is not a node name; use <region>/<id>, e.g. us-east-1/2'],
      [['failover'], 'say which multi-Region key, e.g. mrk-'],
      [['failover', '1234abcd-12ab-34cd-56ef-1234567890ab', '--to', 'eu-west-1', '--force'], 'is not a multi-Region key id (mrk- and 32 hex digits); only multi-Region keys (mrk-…) have replicas'],
      [['failover', `mrk-${'A'.repeat(32)}`, '--to', 'eu-west-1', '--force'], 'is not a multi-Region key id (mrk- and 32 hex digits)'],
      [['failover', `arn:aws:kms:us-east-1:000000000000:key/mrk-${'a'.repeat(32)}`, '--to', 'eu-west-1'], 'give the key id, not its ARN'],
      [['failover', `mrk-${'a'.repeat(32)}`, '--force'], 'say which Region becomes primary: --to <region>'],
      [['failover', `mrk-${'a'.repeat(32)}`, '--to', 'Moon', '--force'], '--to: "Moon" is not a Region name'],
      [['failover', `mrk-${'a'.repeat(32)}`, 'extra', '--to', 'eu-west-1'], 'unexpected argument "extra"'],
      [['failover', `mrk-${'a'.repeat(32)}`, '--to', 'eu-west-1'], 'failover needs --force: it is a DR drill that AWS KMS does not have'],
    ])('should reject %j with usage on stderr and exit 2', async (argv, message) => {
      const sut = await trent(...argv);
      expect(sut.code).toBe(2);
      expect(sut.stdout).toBe('');
      const [firstLine] = sut.stderr.split('\n');
      expect(firstLine).toMatch(/^trent: /);
      expect(firstLine).toContain(message);
      expect(sut.stderr).toContain('Usage: trent');
    });
  });

  describe('with nothing running', () => {
    it('status should say so and exit 1', async () => {
      const dataDir = tempDataDir();
      const sut = await trent('status', '--data', dataDir);
      expect(sut.code).toBe(1);
      expect(sut.stderr).toMatch(/^Trent is not running in /);
    });

    it('down should have nothing to stop and exit 0', async () => {
      const sut = await trent('down', '--data', tempDataDir());
      expect(sut.code).toBe(0);
      expect(sut.stdout).toMatch(/nothing to stop/);
    });

    it.each([['kill', 'us-east-1/1'], ['start', 'us-east-1/node-1'], ['transfer-leader', 'us-east-1'], ['node', 'add', 'us-east-1'], ['node', 'remove', 'us-east-1/1']])(
      '%s should fail with one line',
      async (...argv) => {
        const sut = await trent(...argv, '--data', tempDataDir());
        expect(sut).toMatchObject({ code: 1, stdout: '' });
        expect(sut.stderr).toMatch(/^trent: Trent is not running in [^\n]+$/);
      },
    );

    it('clock should fail with one line', async () => {
      const sut = await trent('clock', 'advance', '31d', '--data', tempDataDir());
      expect(sut).toMatchObject({ code: 1, stdout: '' });
      expect(sut.stderr).toMatch(/^trent: Trent is not running in [^\n]+$/);
    });
  });

  describe('against a running cluster of fake nodes', () => {
    let launcher: Launcher;
    let record: ClusterRecord;

    beforeEach(async () => {
      const port = await freePortBlock(2);
      launcher = new Launcher({
        topology: layOut('127.0.0.1', port, ['us-east-1', 'eu-west-1'], [1, 1]),
        dataDir: tempDataDir(),
        identitiesFile: defaultIdentitiesFile(),
        entryPoint: FAKE_NODE,
        stopGraceMs: 2_000,
      });
      record = await launcher.start();
    });

    afterEach(() => launcher.stop());

    it('status should print each Region, its leader and one row per node, then the gateway', async () => {
      const sut = await trent('status', '--data', launcher.dataDir);

      expect(sut.code).toBe(0);
      const lines = sut.stdout.split('\n');
      expect(lines[0]).toBe('us-east-1: leader node-1, term 1, 1/1 nodes up');
      expect(lines[1]).toMatch(/^ {5}NODE\s+URL\s+PID\s+STATE\s+ROLE\s+TERM\s+COMMIT\s+APPLIED\s+LEADER\s+LAST CONTACT\s+KEYS\s+NATS$/);
      expect(lines[2]).toMatch(
        new RegExp(`^ {2}\\* {2}node-1\\s+${record.nodes[0].url}\\s+${record.nodes[0].pid}\\s+up\\s+leader\\s+1\\s+7\\s+7\\s+node-1\\s+—\\s+2\\s+–$`),
      );
      expect(lines[3]).toBe(`  NATS         ${record.nats![0].url}  up (pid ${record.nats![0].pid}), gateways to eu-west-1`);
      expect(lines[5]).toBe('eu-west-1: leader node-1, term 1, 1/1 nodes up');
      expect(sut.stdout).toContain(`Gateway: ${record.gateway.url}  up  (pid ${process.pid})`);
    });

    it('status should mark a killed node down and warn that its Region lost its quorum', async () => {
      process.kill(record.nodes[1].pid!, 'SIGKILL');
      await eventually(() => !isProcessAlive(record.nodes[1].pid, FAKE_NODE));

      const sut = await trent('status', '--data', launcher.dataDir);

      expect(sut.stdout).toContain('eu-west-1: no leader, 0/1 nodes up\n  warning: no quorum — 0 of 1 nodes up, 1 needed;');
      expect(sut.stdout).toMatch(/ {5}node-1\s+\S+\s+-\s+down\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+-\n/);
      expect(sut.stdout).toMatch(/Needs attention:\n {2}eu-west-1 node-1: connection (refused|reset)/);
    });

    it('status --json should print the aggregate', async () => {
      const sut = await trent('status', '--json', '--data', launcher.dataDir);

      expect(JSON.parse(sut.stdout)).toMatchObject({
        supervisor: { pid: process.pid, state: 'up' },
        gateway: { url: record.gateway.url, state: 'up' },
        regions: [
          {
            name: 'us-east-1',
            summary: { leader: '1', term: 1, up: 1, voters: 1, quorum: 1, hasQuorum: true, agreed: true },
            nodes: [{ id: '1', state: 'up', status: { role: 'leader', raft: { role: 'leader', leader: '1', voters: ['1'], lastContactMs: 0 } } }],
          },
          { name: 'eu-west-1', nodes: [{ id: '1', state: 'up' }] },
        ],
      });
    });

    it('clock advance should move every Region and print the new times', async () => {
      const sut = await trent('clock', 'advance', '31d', '--data', launcher.dataDir);

      expect(sut.code).toBe(0);
      expect(sut.stdout).toMatch(/^Advanced cluster time by 31d:\n {2}us-east-1 {2}\S+Z {2}\(offset \+31d\)\n {2}eu-west-1 {2}\S+Z {2}\(offset \+31d\)$/);
    });

    it('clock advance --region should move only that Region', async () => {
      const sut = await trent('clock', 'advance', '90m', '--region', 'eu-west-1', '--data', launcher.dataDir);

      expect(sut.stdout).toMatch(/eu-west-1 .*\(offset \+1h 30m\)/);
      expect(sut.stdout).not.toContain('us-east-1');
    });

    it('clock advance should refuse a Region that is not running', async () => {
      const sut = await trent('clock', 'advance', '1h', '--region', 'ap-south-1', '--data', launcher.dataDir);

      expect(sut.code).toBe(1);
      expect(sut.stderr).toBe('trent: Region ap-south-1 is not running here; running Regions: us-east-1, eu-west-1');
    });

    it('down should stop the nodes of a supervisor that died, then be idempotent', async () => {
      // Pretend the supervisor was killed -9: its pid is gone, its nodes are not.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      writeClusterRecord({ ...record, supervisorPid: Number(dead.stdout.toString()) });

      const sut = await trent('down', '--data', launcher.dataDir);

      expect(sut.code).toBe(0);
      expect(sut.stdout).toMatch(
        /^Stopped Trent in .*: us-east-1 node-1 \(pid \d+\), eu-west-1 node-1 \(pid \d+\), us-east-1 nats-server \(pid \d+\), eu-west-1 nats-server \(pid \d+\)\.$/,
      );
      for (const node of record.nodes) expect(isProcessAlive(node.pid)).toBe(false);
      for (const nats of record.nats!) expect(isProcessAlive(nats.pid)).toBe(false);
      expect(readClusterRecord(launcher.dataDir)).toBeUndefined();
      expect((await trent('down', '--data', launcher.dataDir)).stdout).toMatch(/nothing to stop/);
    });
  });

  describe('against a running three-node Region of fake nodes', () => {
    let launcher: Launcher;
    let record: ClusterRecord;
    const data = (): string[] => ['--data', launcher.dataDir];

    beforeEach(async () => {
      const port = await freePortBlock(3);
      launcher = new Launcher({
        topology: layOut('127.0.0.1', port, ['us-east-1'], [3]),
        dataDir: tempDataDir(),
        identitiesFile: defaultIdentitiesFile(),
        entryPoint: FAKE_NODE,
        stopGraceMs: 2_000,
      });
      record = await launcher.start();
    });

    afterEach(() => launcher.stop());

    it('kill, status, start: the node goes down, the others keep a majority, and it comes back', async () => {
      const killed = await trent('kill', 'us-east-1/node-2', ...data());

      expect(killed).toMatchObject({ code: 0, stderr: '' });
      expect(killed.stdout).toMatch(/^us-east-1 node-2 killed \(SIGKILL, pid \d+\)$/);
      const status = await trent('status', ...data());
      expect(status.stdout).toMatch(/^us-east-1: leader node-\d, term \d+, 2\/3 nodes up\n {5}NODE/);
      expect(status.stdout).not.toContain('warning');
      expect(status.stdout).toMatch(/ {5}node-2\s+\S+\s+-\s+down\s/);
      expect(status.stdout).toContain('`trent start us-east-1/2`');

      const again = await trent('kill', 'us-east-1/2', ...data());
      expect(again).toMatchObject({ code: 1, stdout: '' });
      expect(again.stderr).toBe('trent: us-east-1 node-2 is not running (it exited: signal SIGKILL); `trent start us-east-1/2` starts it');

      const started = await trent('start', 'us-east-1/2', ...data());

      expect(started.stdout).toMatch(/^us-east-1 node-2 started \(pid \d+\), healthy in \d+\.\d+ s$/);
      expect((await trent('status', ...data())).stdout).toMatch(/3\/3 nodes up/);
      expect((await trent('start', 'us-east-1/2', ...data())).stderr).toMatch(/^trent: us-east-1 node-2 is already running \(pid \d+\)$/);
    });

    it('status should warn when the Region has lost its majority', async () => {
      await trent('stop', 'us-east-1/2', ...data());
      await trent('stop', 'us-east-1/3', ...data());

      const sut = await trent('status', ...data());

      expect(sut.stdout).toMatch(/^us-east-1: (no leader|leader node-1), term \d+, 1\/3 nodes up\n {2}warning: no quorum — 1 of 3 nodes up, 2 needed; writes fail until a majority is back\n/);
    });

    it('pause and resume: the paused node shows as paused, then up again', async () => {
      const paused = await trent('pause', 'us-east-1/3', ...data());

      expect(paused.stdout).toMatch(/^us-east-1 node-3 paused \(SIGSTOP, pid \d+\); `trent resume us-east-1\/3` continues it$/);
      const status = await trent('status', ...data());
      expect(status.stdout).toMatch(/ {5}node-3\s+\S+\s+\d+\s+paused\s/);
      expect(status.stdout).toContain('us-east-1 node-3: paused (SIGSTOP) — `trent resume us-east-1/3`');

      const resumed = await trent('resume', 'us-east-1/3', ...data());

      expect(resumed.stdout).toMatch(/^us-east-1 node-3 resumed \(SIGCONT, pid \d+\)$/);
      expect((await trent('resume', 'us-east-1/3', ...data())).stderr).toBe('trent: us-east-1 node-3 is not paused');
    });

    it('transfer-leader should move leadership to the most up-to-date other node, or to --to', async () => {
      const before = JSON.parse((await trent('status', '--json', ...data())).stdout).regions[0].summary.leader as string;
      // The fake's followers report lastIndex 7 + id: the highest id other than the leader is the most up to date.
      const expected = before === '3' ? '2' : '3';

      const moved = await trent('transfer-leader', 'us-east-1', ...data());

      expect(moved).toMatchObject({ code: 0, stderr: '' });
      expect(moved.stdout).toMatch(new RegExp(`^us-east-1: leader node-${before} → node-${expected} in \\d+\\.\\d+ s$`));
      expect((await trent('status', ...data())).stdout).toMatch(new RegExp(`^us-east-1: leader node-${expected},`));

      const back = await trent('transfer-leader', 'us-east-1', '--to', `node-${before}`, ...data());
      expect(back.stdout).toMatch(new RegExp(`^us-east-1: leader node-${expected} → node-${before} in`));
      expect((await trent('transfer-leader', 'us-east-1', '--to', before, ...data())).stdout).toMatch(
        new RegExp(`^us-east-1: node-${before} already leads \\(term \\d+\\)$`),
      );
    });

    it('node add, node remove: status follows the Region\'s members, and a removed node is gone for good', async () => {
      const added = await trent('node', 'add', 'us-east-1', ...data());

      expect(added).toMatchObject({ code: 0, stderr: '' });
      expect(added.stdout).toMatch(/^us-east-1: node-4 added \(pid \d+, :\d+, raft :\d+\); voters 1 2 3 4, in \d+\.\d+ s$/);
      const grown = (await trent('status', ...data())).stdout;
      expect(grown).toMatch(/^us-east-1: leader node-\d, term \d+, 4\/4 nodes up\n/);
      expect(grown).toMatch(/ {5}node-4\s+http:\/\/127\.0\.0\.1:\d+\s+\d+\s+up\s/);

      const removed = await trent('node', 'remove', 'us-east-1/node-2', ...data());

      expect(removed).toEqual({ code: 0, stdout: 'us-east-1: node-2 removed; voters 1 3 4', stderr: '' });
      const shrunk = (await trent('status', ...data())).stdout;
      expect(shrunk).toMatch(/^us-east-1: leader node-\d, term \d+, 3\/3 nodes up\n/);
      expect(shrunk).not.toContain('node-2');
      expect(await trent('kill', 'us-east-1/2', ...data())).toEqual({
        code: 1,
        stdout: '',
        stderr: 'trent: us-east-1 node-2 was removed from the Region; ids are not reused (its nodes: 1, 3, 4)',
      });
      expect((await trent('node', 'add', 'us-east-1', ...data())).stdout).toMatch(/^us-east-1: node-5 added .*; voters 1 3 4 5, in /);
    });

    it('kill should say when the supervisor is gone', async () => {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      writeClusterRecord({ ...record, supervisorPid: Number(dead.stdout.toString()) });

      const sut = await trent('kill', 'us-east-1/1', ...data());

      expect(sut.code).toBe(1);
      expect(sut.stderr).toMatch(/^trent: the supervisor of .* \(pid \d+\) is gone, so no one can act on its nodes; `trent down` then `trent up` starts afresh$/);
      writeClusterRecord(record);
    });
  });

  describe('against two Regions of fake nodes that report replication', () => {
    let launcher: Launcher;
    let record: ClusterRecord;
    const data = (): string[] => ['--data', launcher.dataDir];

    beforeAll(async () => {
      launcher = new Launcher({
        topology: layOut('127.0.0.1', await freePortBlock(4, 2), ['us-east-1', 'eu-west-1'], [3, 1]),
        dataDir: tempDataDir(),
        identitiesFile: defaultIdentitiesFile(),
        entryPoint: FAKE_NODE,
        stopGraceMs: 2_000,
        gatewayHealthIntervalMs: 200,
        env: { FAKE_NODE_REPLICATION: '1', FAKE_NODE_BACKLOG: '{"eu-west-1":3,"us-west-2":0}' },
      });
      record = await launcher.start();
    });

    afterAll(() => launcher.stop());

    it('status should show each node\'s NATS link and the leader\'s backlog by destination', async () => {
      const sut = await trent('status', ...data());

      expect(sut.code).toBe(0);
      const [east] = sut.stdout.split('\n\n');
      expect(east).toMatch(/KEYS {2}NATS\n/);
      expect(east.match(/ {2}connected$/gm)).toHaveLength(3);
      expect(east).toMatch(/\n {2}replication {2}backlog 3 \(eu-west-1 3\), in flight 0; sent 5, received 6, rejected 0 \(leader node-\d\)$/);
      const json = JSON.parse((await trent('status', '--json', ...data())).stdout);
      expect(json.regions[0].nats).toEqual({
        region: 'us-east-1',
        url: record.nats![0].url,
        state: 'up',
        pid: record.nats![0].pid,
        gateways: ['eu-west-1'],
        expected: ['eu-west-1'],
      });
    });

    it('kill and start a whole Region: one line per process, NATS down in status, then back', async () => {
      const killed = await trent('kill', 'us-east-1', ...data());

      expect(killed).toMatchObject({ code: 0, stderr: '' });
      expect(killed.stdout).toMatch(
        new RegExp(
          [
            '^us-east-1 killed \\(SIGKILL\\) in \\d+\\.\\d+ s:',
            ' {2}nats-server {2}pid \\d+ +killed \\(signal SIGKILL\\)',
            ' {2}node-1 {7}pid \\d+ +killed \\(signal SIGKILL\\)',
            ' {2}node-2 {7}pid \\d+ +killed \\(signal SIGKILL\\)',
            ' {2}node-3 {7}pid \\d+ +killed \\(signal SIGKILL\\)',
            '`trent start us-east-1` brings it back\\.$',
          ].join('\n'),
        ),
      );
      const down = await trent('status', ...data());
      expect(down.stdout).toContain('us-east-1: no leader, 0/3 nodes up');
      expect(down.stdout).toContain(`  NATS         ${record.nats![0].url}  down\n`);
      expect(down.stdout).toContain('us-east-1 nats-server: down — `trent start us-east-1`');

      const started = await trent('start', 'us-east-1', ...data());

      expect(started).toMatchObject({ code: 0, stderr: '' });
      expect(started.stdout).toMatch(
        new RegExp(
          [
            '^us-east-1 started in \\d+\\.\\d+ s, leader node-\\d:',
            ' {2}nats-server {2}pid \\d+ +started, gateways to eu-west-1',
            ' {2}node-1 {7}pid \\d+ +started, healthy',
            ' {2}node-2 {7}pid \\d+ +started, healthy',
            ' {2}node-3 {7}pid \\d+ +started, healthy$',
          ].join('\n'),
        ),
      );
      expect((await trent('status', ...data())).stdout).toMatch(/us-east-1: leader node-\d, term \d+, 3\/3 nodes up/);
      expect(await trent('start', 'us-east-1', ...data())).toEqual({
        code: 1,
        stdout: '',
        stderr: 'trent: us-east-1 is already running (its nats-server and 3 nodes); `trent status` shows them',
      });
    });

    it('failover --force should ask the nodes of --to until the leader promotes the replica', async () => {
      const sut = await trent('failover', `mrk-${'a'.repeat(32)}`, '--to', 'us-east-1', '--force', ...data());

      expect(sut).toMatchObject({ code: 0, stderr: '' });
      expect(sut.stdout).toMatch(
        new RegExp(`^mrk-a{32}: us-east-1 is now the primary Region \\(epoch 2; it already was\\), by us-east-1 node-\\d in \\d+\\.\\d+ s\\.$`),
      );
      const moved = await trent('failover', `mrk-${'b'.repeat(32)}`, '--to', 'eu-west-1', '--force', ...data());
      expect(moved.stdout).toMatch(/^mrk-b{32}: eu-west-1 is now the primary Region \(epoch 2; was us-east-1\), by eu-west-1 node-1 in \d+\.\d+ s\. us-east-1 demotes its copy to a replica when it sees epoch 2\.$/);
    });

    it.each([
      [`mrk-${'0'.repeat(32)}`, 'eu-west-1', /^trent: failover of mrk-0{32} to eu-west-1 refused by eu-west-1 node-1: NotFoundException: Key 'mrk-0{32}' does not exist in eu-west-1$/],
      [`mrk-${'f'.repeat(32)}`, 'eu-west-1', /^trent: failover of mrk-f{32} to eu-west-1 refused by eu-west-1 node-1: UnsupportedOperationException: mrk-f{32} is already primary in eu-west-1$/],
      [`mrk-${'a'.repeat(32)}`, 'ap-south-1', /^trent: Region ap-south-1 is not running here; running Regions: us-east-1, eu-west-1$/],
    ])('failover of %s to %s should fail with one line', async (keyId, to, message) => {
      const sut = await trent('failover', keyId, '--to', to, '--force', ...data());

      expect(sut.code).toBe(1);
      expect(sut.stdout).toBe('');
      expect(sut.stderr).toMatch(message);
    });
  });

  describe('refusing nodes and Regions a running cluster does not have', () => {
    let launcher: Launcher;
    const data = (): string[] => ['--data', launcher.dataDir];

    beforeAll(async () => {
      launcher = new Launcher({
        topology: layOut('127.0.0.1', await freePortBlock(3), ['us-east-1'], [3]),
        dataDir: tempDataDir(),
        identitiesFile: defaultIdentitiesFile(),
        entryPoint: FAKE_NODE,
        stopGraceMs: 2_000,
      });
      await launcher.start();
    });

    afterAll(() => launcher.stop());

    it.each([
      [['kill', 'us-east-1/7'], 'trent: us-east-1 has no node 7; its nodes: 1, 2, 3'],
      [['stop', 'eu-west-1/1'], 'trent: Region eu-west-1 is not running here; running Regions: us-east-1'],
      [['transfer-leader', 'ap-south-1'], 'trent: Region ap-south-1 is not running here; running Regions: us-east-1'],
      [['transfer-leader', 'us-east-1', '--to', '9'], 'trent: us-east-1 has no node 9; its nodes: 1, 2, 3'],
      [['node', 'add', 'eu-west-1'], 'trent: Region eu-west-1 is not running here; running Regions: us-east-1'],
      [['node', 'remove', 'us-east-1/7'], 'trent: us-east-1 has no node 7; its nodes: 1, 2, 3'],
    ])('%j should fail with one line', async (argv, message) => {
      const sut = await trent(...argv, ...data());

      expect(sut).toEqual({ code: 1, stdout: '', stderr: message });
    });

  });

  describe('up in the foreground', () => {
    const env = { ...process.env };
    afterEach(() => (process.env = { ...env }));

    it('should start, print the endpoint block, and stop on SIGTERM', async () => {
      process.env.TRENT_NODE_ENTRY = FAKE_NODE;
      const dataDir = tempDataDir();
      const port = await freePortBlock(2);
      const out: string[] = [];
      const io: CliIo = { out: (text) => out.push(text), err: (text) => out.push(text) };

      const exit = run(['up', '--regions', 'us-east-1,eu-west-1', '--nodes', '1', '--port', String(port), '--data', dataDir], io);
      await eventually(() => out.some((text) => text.includes('Trent is ready.')), 15_000);
      const block = out.join('\n');
      const endpoint = `http://127.0.0.1:${port}`;

      expect(block).toContain(`  us-east-1      up  1 node (:${port + 1}), leader node-1, NATS :${port + 2000}, in `);
      expect(block).toContain(`Endpoint     ${endpoint}`);
      expect(block).toContain(`us-east-1  node-1  http://127.0.0.1:${port + 1}`);
      expect(block).toContain(`eu-west-1  node-1  http://127.0.0.1:${port + 2}`);
      expect(block).toContain('access key test / secret test');
      expect(block).toContain(`aws --endpoint-url ${endpoint} --region us-east-1 kms list-keys`);
      expect(block).toContain(`export AWS_ENDPOINT_URL=${endpoint}`);
      const pids = readClusterRecord(dataDir)!.nodes.map((node) => node.pid);

      process.emit('SIGTERM', 'SIGTERM');

      expect(await exit).toBe(0);
      expect(out.at(-1)).toBe('Trent stopped.');
      expect(readClusterRecord(dataDir)).toBeUndefined();
      for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    });
  });
});
