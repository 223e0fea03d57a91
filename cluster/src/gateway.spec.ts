import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway, type GatewayOptions } from './gateway';
import { isSafelyRetryable } from './retry-policy';
import type { RegionEndpoints } from './topology';

const HOST = '127.0.0.1';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on('data', (chunk: Uint8Array) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('test request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (reply: Reply): Record<string, unknown> => JSON.parse(reply.body.toString('utf8'));

const signedFor = (region: string): Record<string, string> => ({
  authorization:
    `AWS4-HMAC-SHA256 Credential=test/20250101/${region}/kms/aws4_request, ` +
    'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc123',
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'TrentService.ListKeys',
});

/** A stand-in node: health and status like the real one, and POST / says who answered. */
async function startUpstream(name: string, extra: { replyBytes?: number } = {}): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Uint8Array) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      if (req.url === '/_trent/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', nodeId: name }));
        return;
      }
      if (req.url === '/_trent/status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nodeId: name, role: 'leader', term: 3 }));
        return;
      }
      const payload =
        extra.replyBytes !== undefined
          ? Buffer.alloc(extra.replyBytes, 'k')
          : Buffer.from(
              JSON.stringify({ node: name, bytes, sha256: hash.digest('hex'), host: req.headers.host, target: req.headers['x-amz-target'] }),
            );
      res.writeHead(201, 'Created Here', { 'content-type': 'application/x-amz-json-1.1', 'x-upstream': name, 'x-amzn-requestid': `req-${name}` });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A node that answers until `hang()`, then takes every request and never answers: a SIGSTOPped node. */
async function startHangingUpstream(): Promise<{ server: Server; port: number; hang: () => void; received: () => number }> {
  let hanging = false;
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (hanging) {
      received += 1;
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', node: 'hanging' }));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { server, port: (server.address() as AddressInfo).port, hang: () => (hanging = true), received: () => received };
}

describe(Gateway.name, () => {
  const servers: Server[] = [];
  let sut: Gateway | undefined;
  let logs: string[] = [];

  async function gatewayFor(regions: RegionEndpoints[], options: Partial<GatewayOptions> = {}): Promise<Gateway> {
    logs = [];
    sut = new Gateway({ host: HOST, port: 0, regions, healthIntervalMs: 0, log: (line) => logs.push(line), ...options });
    await sut.listen();
    return sut;
  }

  async function upstream(name: string, extra?: { replyBytes?: number }): Promise<number> {
    const { server, port } = await startUpstream(name, extra);
    servers.push(server);
    return port;
  }

  afterEach(async () => {
    await sut?.close();
    sut = undefined;
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('should route by the Region of the SigV4 credential scope', async () => {
    const east = await upstream('east');
    const west = await upstream('west');
    const gateway = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: east }] },
      { name: 'eu-west-1', nodes: [{ id: '1', port: west }] },
    ]);

    const toWest = await send(gateway.url, { headers: signedFor('eu-west-1'), body: '{}' });
    const toEast = await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' });

    expect(json(toWest)).toMatchObject({ node: 'west', target: 'TrentService.ListKeys' });
    expect(json(toEast)).toMatchObject({ node: 'east' });
  });

  it('should route a presigned request by its X-Amz-Credential', async () => {
    const east = await upstream('east');
    const west = await upstream('west');
    const gateway = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: east }] },
      { name: 'eu-west-1', nodes: [{ id: '1', port: west }] },
    ]);
    const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent('test/20250101/eu-west-1/kms/aws4_request')}`;

    const reply = await send(`${gateway.url}/?${query}`, { body: '{}' });

    expect(json(reply)).toMatchObject({ node: 'west' });
  });

  it('should copy status, headers and body back unchanged and keep the client Host', async () => {
    const east = await upstream('east');
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: east }] }]);

    const reply = await send(gateway.url, { headers: { ...signedFor('us-east-1'), host: 'kms.localhost.test:4566' }, body: '{}' });

    expect(reply.status).toBe(201);
    expect(reply.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.1',
      'x-upstream': 'east',
      'x-amzn-requestid': 'req-east',
    });
    expect(json(reply)).toMatchObject({ host: 'kms.localhost.test:4566' });
  });

  it('should answer a Region it does not run with UnrecognizedClientException naming the running Regions', async () => {
    const east = await upstream('east');
    const west = await upstream('west');
    const gateway = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: east }] },
      { name: 'eu-west-1', nodes: [{ id: '1', port: west }] },
    ]);

    const reply = await send(gateway.url, { headers: signedFor('ap-south-1'), body: '{}' });

    expect(reply.status).toBe(400);
    expect(reply.headers['x-amzn-errortype']).toBe('UnrecognizedClientException');
    expect(reply.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(json(reply).__type).toBe('UnrecognizedClientException');
    expect(json(reply).message).toMatch(/ap-south-1.*us-east-1, eu-west-1/);
  });

  it('should pass an unsigned request to a node, which answers the authentication error', async () => {
    const east = await upstream('east');
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: east }] }]);

    const reply = await send(gateway.url, { headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });

    expect(json(reply)).toMatchObject({ node: 'east' });
  });

  it('should fail over to the next node when the first refuses the connection, body intact', async () => {
    const first = await startUpstream('first');
    const second = await upstream('second');
    const gateway = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: first.port }, { id: '2', port: second }] },
    ]);
    // Both answered the gateway's first probe; now the first one dies (think `kill -9`).
    const warmUp = await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' });
    expect(json(warmUp).node).toBe('first');
    first.server.closeAllConnections();
    await new Promise((resolve) => first.server.close(resolve));
    const body = randomBytes(6 * 1024);

    // The round-robin turn of the dead node comes up again: it must not be seen by the client.
    for (let i = 0; i < 4; i++) {
      const reply = await send(gateway.url, { headers: signedFor('us-east-1'), body });
      expect(reply.status).toBe(201);
      expect(json(reply)).toMatchObject({
        node: 'second',
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    }
    expect(logs).toContain('gateway: us-east-1 node-1 is down (connection refused)');
  });

  it('should retry on a fresh connection when a pooled one turns out closed by the node', async () => {
    // This node drops every connection on its second request, as a keep-alive timer racing the
    // gateway's reuse would.
    const used = new WeakSet<object>();
    const server = createServer((req, res) => {
      if (used.has(req.socket)) return void req.socket.destroy();
      used.add(req.socket);
      req.resume().on('end', () => res.end('{"node":"flaky"}'));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: (server.address() as AddressInfo).port }] }]);

    for (let i = 0; i < 3; i++) {
      const reply = await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' });
      expect(reply.status).toBe(200);
    }
    expect(logs).toEqual([]);
  });

  it('should answer 503 KMSInternalException naming the Region as down when none of its nodes answers', async () => {
    const gateway = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: await closedPort() }, { id: '2', port: await closedPort() }] },
    ]);

    const reply = await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' });

    expect(reply.status).toBe(503);
    expect(reply.headers['x-amzn-errortype']).toBe('KMSInternalException');
    expect(json(reply)).toEqual({
      __type: 'KMSInternalException',
      message: 'Region us-east-1 is down: none of its 2 nodes answers (trent start us-east-1 brings it back)',
    });
  });

  it('should stream a 6 KB request body through unchanged', async () => {
    const east = await upstream('east');
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: east }] }]);
    const body = randomBytes(6 * 1024);

    const reply = await send(gateway.url, { headers: signedFor('us-east-1'), body });

    expect(json(reply)).toMatchObject({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });

  it('should stream a 6 KB answer back unchanged', async () => {
    const east = await upstream('east', { replyBytes: 6 * 1024 });
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: east }] }]);

    const reply = await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' });

    expect(reply.body.equals(Buffer.alloc(6 * 1024, 'k'))).toBe(true);
  });

  it('should spread requests over the live nodes of a Region', async () => {
    const one = await upstream('one');
    const two = await upstream('two');
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: one }, { id: '2', port: two }] }]);

    const answered = new Set<unknown>();
    for (let i = 0; i < 4; i++) answered.add(json(await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' })).node);

    expect(answered).toEqual(new Set(['one', 'two']));
  });

  it('should serve 64 concurrent clients over its pooled connections', async () => {
    const east = await upstream('east');
    const gateway = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: east }] }]);

    const replies = await Promise.all(
      Array.from({ length: 64 }, (_, i) => send(gateway.url, { headers: signedFor('us-east-1'), body: `{"n":${i}}` })),
    );

    expect(replies.every((reply) => reply.status === 201)).toBe(true);
  });

  it('should report health 200 when every Region has a live node, 503 with detail otherwise', async () => {
    const east = await upstream('east');
    const deadPort = await closedPort();
    const healthy = await gatewayFor([{ name: 'us-east-1', nodes: [{ id: '1', port: east }] }]);
    const ok = await send(`${healthy.url}/_trent/health`, { method: 'GET' });
    expect(ok.status).toBe(200);
    expect(json(ok)).toMatchObject({ status: 'ok', regions: [{ name: 'us-east-1', status: 'ok' }] });
    await healthy.close();

    const degraded = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: east }] },
      { name: 'eu-west-1', nodes: [{ id: '1', port: deadPort }] },
    ]);
    const bad = await send(`${degraded.url}/_trent/health`, { method: 'GET' });
    expect(bad.status).toBe(503);
    expect(json(bad)).toMatchObject({
      status: 'unavailable',
      regions: [
        { name: 'us-east-1', status: 'ok' },
        { name: 'eu-west-1', status: 'unavailable', nodes: [{ id: '1', state: 'down' }] },
      ],
    });
  });

  it('should aggregate every node status, marking unreachable nodes down', async () => {
    const east = await upstream('east');
    const deadPort = await closedPort();
    const gateway = await gatewayFor([
      { name: 'us-east-1', nodes: [{ id: '1', port: east }] },
      { name: 'eu-west-1', nodes: [{ id: '1', port: deadPort }] },
    ]);

    const reply = await send(`${gateway.url}/_trent/status`, { method: 'GET' });

    expect(json(reply)).toMatchObject({
      gateway: { url: gateway.url, state: 'up', pid: process.pid },
      regions: [
        { name: 'us-east-1', nodes: [{ id: '1', state: 'up', status: { nodeId: 'east', role: 'leader', term: 3 } }] },
        { name: 'eu-west-1', nodes: [{ id: '1', state: 'down', error: 'connection refused' }] },
      ],
    });
  });

  describe('with a node that stops answering (paused)', () => {
    async function setUp(): Promise<{ gateway: Gateway; hanging: Awaited<ReturnType<typeof startHangingUpstream>> }> {
      const hanging = await startHangingUpstream();
      servers.push(hanging.server);
      const live = await upstream('live');
      const gateway = await gatewayFor(
        [{ name: 'us-east-1', nodes: [{ id: '1', port: hanging.port }, { id: '2', port: live }] }],
        { upstreamTimeoutMs: 300 },
      );
      hanging.hang();
      return { gateway, hanging };
    }

    it('should mark it down after the upstream timeout and move a read-only request to the next node', async () => {
      const { gateway, hanging } = await setUp();
      const body = randomBytes(2 * 1024);

      const reply = await send(gateway.url, { headers: signedFor('us-east-1'), body });

      expect(reply.status).toBe(201);
      expect(json(reply)).toMatchObject({ node: 'live', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      expect(hanging.received()).toBe(1);
      expect(logs).toEqual(['gateway: us-east-1 node-1 is down (no answer within 300 ms)']);
      // Marked down: the next requests go to the live node first; none waits on the hanging one.
      for (let i = 0; i < 3; i++) expect(json(await send(gateway.url, { headers: signedFor('us-east-1'), body: '{}' })).node).toBe('live');
      expect(hanging.received()).toBe(1);
    });

    it('should move a write that carries the SDK invocation id (the node applies it once)', async () => {
      const { gateway } = await setUp();
      const headers = { ...signedFor('us-east-1'), 'x-amz-target': 'TrentService.CreateKey', 'amz-sdk-invocation-id': 'b4c1e8f0-1' };

      const reply = await send(gateway.url, { headers, body: '{}' });

      expect(json(reply)).toMatchObject({ node: 'live', target: 'TrentService.CreateKey' });
    });

    it('should answer 503 for a write it cannot safely send twice', async () => {
      const { gateway } = await setUp();
      const headers = { ...signedFor('us-east-1'), 'x-amz-target': 'TrentService.CreateKey' };

      const reply = await send(gateway.url, { headers, body: '{}' });

      expect(reply.status).toBe(503);
      expect(json(reply)).toEqual({
        __type: 'DependencyTimeoutException',
        message: 'Region us-east-1 is unavailable: node-1 did not answer within 300 ms',
      });
      expect(logs).toEqual(['gateway: us-east-1 node-1 is down (no answer within 300 ms)']);
    });

    it('should be marked down by a health probe', async () => {
      const { gateway } = await setUp();

      expect(await gateway.probeAll(200)).toBe(true);

      expect(logs).toEqual([expect.stringMatching(/^gateway: us-east-1 node-1 is down \(no answer from http:\/\/127\.0\.0\.1:\d+\/_trent\/health within 200 ms\)$/)]);
    });
  });
});

describe(isSafelyRetryable.name, () => {
  it.each([
    ['POST', { 'x-amz-target': 'TrentService.Encrypt' }, true],
    ['POST', { 'x-amz-target': 'TrentService.DescribeKey' }, true],
    ['POST', { 'x-amz-target': 'TrentService.ListKeys' }, true],
    ['POST', { 'x-amz-target': 'TrentService.CreateKey' }, false],
    ['POST', { 'x-amz-target': 'TrentService.ScheduleKeyDeletion' }, false],
    ['POST', { 'x-amz-target': 'TrentService.CreateKey', 'amz-sdk-invocation-id': 'abc' }, true],
    ['POST', { 'x-amz-target': 'OtherService.Encrypt' }, false],
    ['POST', {}, false],
    ['GET', {}, true],
  ])('%s %j → %s', (method, headers, expected) => {
    expect(isSafelyRetryable(method, headers)).toBe(expected);
  });
});
