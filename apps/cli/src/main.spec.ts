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

    it('status should print one row per node and the gateway', async () => {
      const sut = await trent('status', '--data', launcher.dataDir);

      expect(sut.code).toBe(0);
      const lines = sut.stdout.split('\n');
      expect(lines[0]).toMatch(/^REGION\s+NODE\s+URL\s+PID\s+ROLE\s+TERM\s+COMMIT\s+APPLIED\s+KEYS\s+STATE$/);
      expect(lines[1]).toMatch(new RegExp(`^us-east-1\\s+1\\s+${record.nodes[0].url}\\s+${record.nodes[0].pid}\\s+leader\\s+1\\s+7\\s+7\\s+2\\s+up$`));
      expect(lines[2]).toMatch(/^eu-west-1\s+1\s+.*\s+up$/);
      expect(lines[3]).toMatch(new RegExp(`^gateway\\s+-\\s+${record.gateway.url}\\s+${process.pid}\\s+.*\\s+up$`));
    });

    it('status should mark a killed node down', async () => {
      process.kill(record.nodes[1].pid!, 'SIGKILL');
      await eventually(() => !isProcessAlive(record.nodes[1].pid, FAKE_NODE));

      const sut = await trent('status', '--data', launcher.dataDir);

      expect(sut.stdout).toMatch(/eu-west-1\s+1\s+\S+\s+-\s+-\s+-\s+-\s+-\s+-\s+down/);
      expect(sut.stdout).toMatch(/Down:\n {2}eu-west-1 node-1: connection (refused|reset)/);
    });

    it('status --json should print the aggregate', async () => {
      const sut = await trent('status', '--json', '--data', launcher.dataDir);

      expect(JSON.parse(sut.stdout)).toMatchObject({
        supervisor: { pid: process.pid, state: 'up' },
        gateway: { url: record.gateway.url, state: 'up' },
        regions: [
          { name: 'us-east-1', nodes: [{ id: '1', state: 'up', status: { role: 'leader' } }] },
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
      expect(sut.stdout).toMatch(/^Stopped Trent in .*: us-east-1 node-1 \(pid \d+\), eu-west-1 node-1 \(pid \d+\)\.$/);
      for (const node of record.nodes) expect(isProcessAlive(node.pid)).toBe(false);
      expect(readClusterRecord(launcher.dataDir)).toBeUndefined();
      expect((await trent('down', '--data', launcher.dataDir)).stdout).toMatch(/nothing to stop/);
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

      const exit = run(['up', '--regions', 'us-east-1,eu-west-1', '--port', String(port), '--data', dataDir], io);
      await eventually(() => out.some((text) => text.includes('Trent is ready.')), 15_000);
      const block = out.join('\n');
      const endpoint = `http://127.0.0.1:${port}`;

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
