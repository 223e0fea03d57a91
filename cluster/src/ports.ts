import { connect, createServer } from 'node:net';

/**
 * Whether something could listen on host:port right now. The probe binds the port for a moment, so
 * never use it to wait for a server that is starting: it can take the port from under it (see
 * {@link acceptsConnections}).
 */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The ports among `ports` that are taken. */
export async function busyPorts(host: string, ports: readonly number[]): Promise<number[]> {
  const free = await Promise.all(ports.map((port) => isPortFree(host, port)));
  return ports.filter((_, index) => !free[index]);
}

/**
 * The ports among `ports` still taken after up to `waitMs`. A node killed a moment ago may still
 * hold its port through its HTTP workers, which exit only once they notice their primary is gone.
 */
export async function busyPortsAfter(host: string, ports: readonly number[], waitMs: number, pollMs = 100): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const busy = await busyPorts(host, ports);
    if (busy.length === 0 || Date.now() >= deadline) return busy;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Whether a TCP connection to host:port is accepted within `timeoutMs`. Unlike {@link isPortFree}
 * it never binds the port, so it is the probe for a server that is still starting.
 */
export function acceptsConnections(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
