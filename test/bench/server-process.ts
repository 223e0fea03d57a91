import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

const START_TIMEOUT_MS = 10_000;

/**
 * A server of the bench in its own process (the bare Fastify baseline, the gateway), so that each is
 * measured the same way as a Trent node. The script sends `{ready: port}` once it listens.
 */
export class ServerProcess {
  private constructor(
    readonly endpoint: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(name: string, script: string, args: string[] = []): Promise<ServerProcess> {
    // execArgv: [] so a profiled or inspected bench does not pass its flags on to the server.
    const child = fork(join(__dirname, script), args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start within 10 s`)), START_TIMEOUT_MS);
        child.once('message', (m: { ready?: string }) => {
          clearTimeout(timer);
          if (m.ready) resolve(m.ready);
          else reject(new Error(`${name} sent ${JSON.stringify(m)}`));
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited during start-up (code ${code})`));
        });
      });
      return new ServerProcess(`http://127.0.0.1:${port}`, child);
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
