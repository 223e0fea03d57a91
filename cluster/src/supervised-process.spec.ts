import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, removeTempDataDirs, tempDataDir } from '../test-fixtures/fake-cluster';
import { SupervisedProcess } from './supervised-process';

/** Runs `node -e script`; the script says `ready` once its signal handlers are in place. */
class ScriptProcess extends SupervisedProcess {
  constructor(logFile: string) {
    super(logFile);
  }

  override get name(): string {
    return 'test script';
  }

  start(script: string, program = process.execPath): void {
    this.assertNotRunning();
    this.spawnLogged(program, ['-e', script]);
  }
}

const READY = "console.log('ready');";
const IDLE = 'setInterval(() => {}, 1000);';

describe(SupervisedProcess.name, () => {
  const started: ScriptProcess[] = [];
  let dir: string;

  const make = (): ScriptProcess => {
    const sut = new ScriptProcess(join(dir, 'script.log'));
    started.push(sut);
    return sut;
  };

  beforeEach(() => {
    dir = tempDataDir();
  });

  afterEach(async () => {
    for (const sut of started.splice(0)) {
      sut.kill();
      await sut.whenExited();
    }
  });

  afterAll(() => removeTempDataDirs());

  it('has exited with neither code nor signal before it is started', async () => {
    const sut = make();

    expect(sut.running).toBe(false);
    expect(sut.pid).toBeUndefined();
    await expect(sut.whenExited()).resolves.toEqual({ code: null, signal: null });
  });

  it("appends both streams to its log and tails only this run's lines", async () => {
    const sut = make();
    sut.start("console.log('first run'); process.exit(3);");
    await expect(sut.whenExited()).resolves.toEqual({ code: 3, signal: null });

    sut.start("console.log('second run'); console.error('to stderr');");
    await sut.whenExited();

    expect(sut.exited).toEqual({ code: 0, signal: null });
    expect(sut.running).toBe(false);
    expect(sut.logTail()).toBe('second run\nto stderr');
    expect(readFileSync(sut.logFile, 'utf8')).toBe('first run\nsecond run\nto stderr\n');
  });

  it('refuses a second start while the child runs', async () => {
    const sut = make();
    sut.start(IDLE);

    expect(() => sut.start(IDLE)).toThrow(`test script is already running (pid ${sut.pid})`);
  });

  it('runs the child in its own process group', async () => {
    const sut = make();
    // /proc/self/stat: `pid (comm) state ppid pgrp …`.
    sut.start("const s = require('fs').readFileSync('/proc/self/stat', 'utf8'); console.log(s.slice(s.lastIndexOf(')') + 2).split(' ')[2]);");
    await sut.whenExited();

    expect(sut.logTail()).toBe(String(sut.pid));
  });

  it('counts a spawn failure as an exit', async () => {
    const sut = make();
    sut.start('', join(dir, 'no-such-program'));

    await expect(sut.whenExited()).resolves.toEqual({ code: null, signal: null });
    expect(sut.running).toBe(false);
  });

  it('tracks SIGSTOP and SIGCONT', async () => {
    const sut = make();
    sut.start(IDLE);

    sut.send('SIGSTOP');
    expect(sut.paused).toBe(true);
    sut.send('SIGCONT');
    expect(sut.paused).toBe(false);
  });

  it('resumes a paused child it stops, so its SIGTERM handler runs', async () => {
    const sut = make();
    sut.start(`process.on('SIGTERM', () => process.exit(7)); ${READY} ${IDLE}`);
    await eventually(() => sut.logTail() === 'ready');
    sut.send('SIGSTOP');

    // Without the SIGCONT the handler would wait for the grace period's SIGKILL.
    await expect(sut.stop(20_000)).resolves.toEqual({ code: 7, signal: null });
    expect(sut.paused).toBe(false);
  });

  it('kills a child that outlives the grace period', async () => {
    const sut = make();
    sut.start(`process.on('SIGTERM', () => {}); ${READY} ${IDLE}`);
    await eventually(() => sut.logTail() === 'ready');

    await expect(sut.stop(200)).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('ignores signals and stops once the child has exited', async () => {
    const sut = make();
    sut.start('');
    const exit = await sut.whenExited();

    sut.send('SIGSTOP');
    sut.kill();

    expect(sut.paused).toBe(false);
    await expect(sut.stop(0)).resolves.toBe(exit);
  });
});
