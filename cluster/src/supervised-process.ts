import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readLogTail } from './log-tail';
import type { NodeExit, NodeSignal } from './node-process';

/**
 * A child process the supervisor owns: spawned in its own process group with stdout and stderr
 * appended to a log file (the child holds the file descriptor, so logging costs the supervisor
 * nothing and survives it), watched until it exits, paused and resumed on request, and stopped with
 * a grace period. It can be spawned again once it has exited.
 *
 * Invariant: `running` ⇔ spawned and no exit seen yet; `paused` ⇒ `running`.
 */
export abstract class SupervisedProcess {
  private child: ChildProcess | undefined;
  private exitInfo: NodeExit | undefined;
  private exitPromise: Promise<NodeExit> | undefined;
  /** Where this run's output starts in the (appended) log file. */
  private logStart = 0;
  private stopped = false;

  protected constructor(readonly logFile: string) {}

  /** How messages name it: `eu-west-1 node-2`. */
  abstract get name(): string;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): NodeExit | undefined {
    return this.exitInfo;
  }

  /** Started and not exited. */
  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Running but stopped with SIGSTOP. */
  get paused(): boolean {
    return this.running && this.stopped;
  }

  /** Resolves when the process has exited (immediately if it already has, or never started). */
  whenExited(): Promise<NodeExit> {
    if (!this.exitPromise) return Promise.resolve(this.exitInfo ?? { code: null, signal: null });
    return this.exitPromise;
  }

  /**
   * Passes a signal on and keeps track of SIGSTOP/SIGCONT. SIGTERM to a paused process is followed
   * by SIGCONT, or it would wait, stopped, for a resume before it could shut down.
   */
  send(signal: NodeSignal): void {
    if (!this.running) return;
    this.signal(signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
    if (signal === 'SIGTERM' && this.stopped) {
      this.signal('SIGCONT');
      this.stopped = false;
    }
  }

  /** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
  async stop(graceMs: number): Promise<NodeExit> {
    if (!this.child || this.exitInfo) return this.whenExited();
    this.send('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.whenExited();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Immediate SIGKILL (a second Ctrl-C, or a supervisor on its way out). */
  kill(): void {
    if (this.child && !this.exitInfo) this.signal('SIGKILL');
  }

  /** The last lines this run wrote to its log. */
  logTail(lines = 20): string {
    return readLogTail(this.logFile, this.logStart, lines);
  }

  /** A start is refused while the previous child runs: one child per process at a time. */
  protected assertNotRunning(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
  }

  /**
   * Spawns `program args` with its output appended to the log file. A spawn failure (no such
   * program) arrives as an 'error' event and counts as an exit with neither code nor signal.
   * `env` replaces the inherited environment when given.
   */
  protected spawnLogged(program: string, args: readonly string[], env?: NodeJS.ProcessEnv): void {
    this.exitInfo = undefined;
    this.stopped = false;
    const log = openSync(this.logFile, 'a');
    try {
      this.logStart = fstatSync(log).size;
      this.child = spawn(program, args, {
        env,
        stdio: ['ignore', log, log],
        // Own process group: a Ctrl-C at the terminal reaches the supervisor alone, which then
        // stops its children in order instead of racing them.
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      this.child?.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
