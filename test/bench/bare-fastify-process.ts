import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

const SERVER_MAIN = join(__dirname, 'bare-fastify.server.js');
const START_TIMEOUT_MS = 10_000;

/** The baseline server (bare-fastify.server.ts) in its own process, measured the same way as a Trent node. */
export class BareFastifyProcess {
  private constructor(
    readonly endpoint: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<BareFastifyProcess> {
    // execArgv: [] so a profiled or inspected bench does not pass its flags on to the baseline.
    const child = fork(SERVER_MAIN, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('bare Fastify did not start within 10 s')), START_TIMEOUT_MS);
        child.once('message', (m: { ready?: string }) => {
          clearTimeout(timer);
          if (m.ready) resolve(m.ready);
          else reject(new Error(`bare Fastify sent ${JSON.stringify(m)}`));
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`bare Fastify exited during start-up (code ${code})`));
        });
      });
      return new BareFastifyProcess(`http://127.0.0.1:${port}`, child);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async dispose(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
