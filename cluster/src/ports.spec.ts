import { createServer, type Server } from 'node:net';
import { acceptsConnections, isPortFree } from './ports';

const listening = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve((server.address() as { port: number }).port));
  });

const closed = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('ports', () => {
  it('should see a listening port as accepting connections and as not free', async () => {
    const server = createServer((socket) => socket.destroy());
    const port = await listening(server);

    await expect(acceptsConnections('127.0.0.1', port)).resolves.toBe(true);
    await expect(isPortFree('127.0.0.1', port)).resolves.toBe(false);

    await closed(server);
    await expect(acceptsConnections('127.0.0.1', port)).resolves.toBe(false);
    await expect(isPortFree('127.0.0.1', port)).resolves.toBe(true);
  });

  it('should never hold the port it probes, so a server starting meanwhile can bind it', async () => {
    // The launcher polls a starting nats-server with this probe. Probing by binding the port took
    // it for a moment, and a nats-server that bound just then failed with "address in use".
    const probe = createServer();
    const port = await listening(probe);
    await closed(probe);

    for (let round = 0; round < 20; round++) {
      const server = createServer((socket) => socket.destroy());
      const probes = Array.from({ length: 20 }, () => acceptsConnections('127.0.0.1', port));
      await expect(listening(server, port)).resolves.toBe(port);
      await Promise.all(probes);
      await closed(server);
    }
  });
});
