import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControlError, type ClusterControl } from './cluster-control';
import { ClusterError } from './cluster-error';
import { collectRegionReports, describeNetworkError, nodeUrl, type ClusterStatus } from './cluster-status';
import { regionOfRequest } from './credential-scope';
import { requestJson } from './http-json';
import { NODE_SIGNALS, type NodeSignal } from './node-process';
import { ReplayableBody } from './replayable-body';
import { isSafelyRetryable } from './retry-policy';
import type { RegionEndpoints } from './topology';

export interface GatewayOptions {
  /** Interface the gateway listens on; the nodes are reached on the same host. */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly regions: readonly RegionEndpoints[];
  /** How often each node's health is probed in the background; 0 turns probing off. */
  readonly healthIntervalMs?: number;
  /**
   * A node that accepted a request but stays silent this long (a paused or wedged node) is marked
   * down; a safely retryable request moves on to the next node, any other gets a 503.
   */
  readonly upstreamTimeoutMs?: number;
  /** Pooled keep-alive connections per node. */
  readonly maxSocketsPerNode?: number;
  /** Largest request body kept for a retry on another node. */
  readonly maxReplayBytes?: number;
  /** One line per noteworthy event (a node going down or coming back). */
  readonly log?: (line: string) => void;
  /** The supervisor's hold on the nodes; without it the /_trent/cluster routes answer 404. */
  readonly control?: ClusterControl;
}

/** Largest body the /_trent/cluster routes read. */
const MAX_ADMIN_BODY = 4 * 1024;

type UpstreamState = 'unknown' | 'up' | 'down';

/** One node as the gateway sees it: where it is, its connection pool, whether it answers. */
class Upstream {
  readonly url: string;
  readonly agent: Agent;
  state: UpstreamState = 'unknown';
  private probing = false;

  constructor(
    readonly region: string,
    readonly id: string,
    readonly host: string,
    readonly port: number,
    maxSockets: number,
    private readonly log: (line: string) => void,
  ) {
    this.url = nodeUrl(host, port);
    // Keep-alive pool: the gateway sits in front of every request, so a fresh TCP connection
    // per request would cost more than the proxying itself.
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  }

  markUp(): void {
    if (this.state === 'down') this.log(`gateway: ${this.region} node-${this.id} answers again`);
    this.state = 'up';
  }

  markDown(reason: string): void {
    if (this.state === 'up') this.log(`gateway: ${this.region} node-${this.id} is down (${reason})`);
    this.state = 'down';
  }

  async probe(timeoutMs: number): Promise<boolean> {
    if (this.probing) return this.state === 'up';
    this.probing = true;
    try {
      const res = await requestJson(`${this.url}/_trent/health`, { timeoutMs });
      if (res.status === 200) this.markUp();
      else this.markDown(`health answered HTTP ${res.status}`);
    } catch (err) {
      this.markDown(describeNetworkError(err));
    } finally {
      this.probing = false;
    }
    return this.state === 'up';
  }
}

/** A Region's nodes, handed out round-robin among those that answer. Nodes join and leave as the Region's membership changes. */
class RegionUpstreams {
  private cursor = 0;

  constructor(
    readonly name: string,
    readonly nodes: Upstream[],
  ) {}

  get hasLiveNode(): boolean {
    return this.nodes.some((node) => node.state === 'up');
  }

  /**
   * The order in which to try nodes for one request: live nodes first, rotating, then the rest
   * (a node marked down may have come back since the last probe).
   */
  candidates(): Upstream[] {
    const live = this.nodes.filter((node) => node.state === 'up');
    const start = live.length > 0 ? this.cursor++ % live.length : 0;
    const rotated = [...live.slice(start), ...live.slice(0, start)];
    const unknown = this.nodes.filter((node) => node.state === 'unknown');
    const down = this.nodes.filter((node) => node.state === 'down');
    return [...rotated, ...unknown, ...down];
  }
}

// Hop-by-hop headers describe one connection, not the request; they are not passed on. None of
// them is ever part of a SigV4 signature.
const HOP_BY_HOP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect']);
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'trailer', 'upgrade']);

/**
 * The one endpoint for every Region. It reads the Region from the SigV4 credential scope and
 * passes the request, byte for byte, to a live node of that Region; the answer comes back
 * unchanged. It never parses bodies and never verifies signatures (the node does both).
 */
export class Gateway {
  private readonly server: Server;
  private readonly regions: Map<string, RegionUpstreams>;
  private readonly log: (line: string) => void;
  private readonly maxSocketsPerNode: number;
  private readonly healthIntervalMs: number;
  private readonly upstreamTimeoutMs: number;
  private readonly maxReplayBytes: number;
  private probeTimer: NodeJS.Timeout | undefined;
  private address: AddressInfo | undefined;
  private closed = false;

  constructor(private readonly options: GatewayOptions) {
    const log = (this.log = options.log ?? (() => undefined));
    const maxSockets = (this.maxSocketsPerNode = options.maxSocketsPerNode ?? 256);
    this.healthIntervalMs = options.healthIntervalMs ?? 1_000;
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? 5_000;
    this.maxReplayBytes = options.maxReplayBytes ?? 1024 * 1024;
    this.regions = new Map(
      options.regions.map((region) => [
        region.name,
        new RegionUpstreams(
          region.name,
          region.nodes.map((node) => new Upstream(region.name, node.id, options.host, node.port, maxSockets, log)),
        ),
      ]),
    );
    this.server = createServer((req, res) => this.handle(req, res));
    // SDK clients keep connections open between calls; outlive their idle timers.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  private get upstreams(): Upstream[] {
    return [...this.regions.values()].flatMap((region) => region.nodes);
  }

  /** Where each Region's nodes are now, for status collection. */
  private get endpoints(): RegionEndpoints[] {
    return [...this.regions.values()].map((region) => ({ name: region.name, nodes: region.nodes.map((node) => ({ id: node.id, port: node.port })) }));
  }

  /** A node added to a running Region takes its share of that Region's requests once probed up, which this does at once. */
  async addUpstream(region: string, node: { readonly id: string; readonly port: number }): Promise<void> {
    const upstreams = this.regions.get(region);
    if (!upstreams) throw new Error(`the gateway serves no Region ${region}`);
    if (upstreams.nodes.some((known) => known.id === node.id)) return;
    const upstream = new Upstream(region, node.id, this.options.host, node.port, this.maxSocketsPerNode, this.log);
    upstreams.nodes.push(upstream);
    await upstream.probe(1_000);
  }

  /** A node removed from its Region gets no more requests; its pooled connections are dropped. */
  removeUpstream(region: string, id: string): void {
    const nodes = this.regions.get(region)?.nodes;
    const index = nodes?.findIndex((node) => node.id === id) ?? -1;
    if (!nodes || index < 0) return;
    const [gone] = nodes.splice(index, 1);
    gone.agent.destroy();
  }

  get url(): string {
    if (!this.address) throw new Error('gateway is not listening');
    return nodeUrl(this.options.host, this.address.port);
  }

  get port(): number {
    if (!this.address) throw new Error('gateway is not listening');
    return this.address.port;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          err.code === 'EADDRINUSE'
            ? new ClusterError(`port ${this.options.port} is already in use, so the gateway cannot listen on it`)
            : err,
        );
      };
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    await this.probeAll();
    if (this.healthIntervalMs > 0) {
      this.probeTimer = setInterval(() => void this.probeAll(), this.healthIntervalMs);
      this.probeTimer.unref();
    }
  }

  /** Stops listening, drops every connection and pool. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.server.listening) {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await closed;
    }
    for (const upstream of this.upstreams) upstream.agent.destroy();
  }

  /** Probes every node now; true when each Region has at least one live node. */
  async probeAll(timeoutMs = 1_000): Promise<boolean> {
    await Promise.all(this.upstreams.map((upstream) => upstream.probe(timeoutMs)));
    return [...this.regions.values()].every((region) => region.hasLiveNode);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url.startsWith('/_trent/')) {
      void this.handleAdmin(req, res, url).catch((err) => {
        if (!res.headersSent) sendJson(res, 500, { message: describeNetworkError(err) });
        else res.destroy();
      });
      return;
    }

    const regionName = regionOfRequest(req.headers, url);
    if (regionName === undefined) {
      // Unsigned or unreadable: any node gives AWS's authentication error.
      this.forward(req, res, this.anyRegion());
      return;
    }
    const region = this.regions.get(regionName);
    if (!region) {
      const running = [...this.regions.keys()].join(', ');
      sendKmsError(
        res,
        400,
        'UnrecognizedClientException',
        `The request was signed for Region ${regionName}, which this Trent cluster does not run. ` +
          `Running Regions: ${running}.`,
      );
      return;
    }
    this.forward(req, res, region);
  }

  private anyRegion(): RegionUpstreams {
    const regions = [...this.regions.values()];
    return regions.find((region) => region.hasLiveNode) ?? regions[0];
  }

  private forward(req: IncomingMessage, res: ServerResponse, region: RegionUpstreams): void {
    const body = new ReplayableBody(req, this.maxReplayBytes);
    const headers = passOn(req.rawHeaders, HOP_BY_HOP_REQUEST);
    const retryable = isSafelyRetryable(req.method, req.headers);
    const candidates = region.candidates();
    let current: ClientRequest | undefined;

    res.on('close', () => {
      // The client went away before its answer was complete: stop the upstream exchange too.
      if (!res.writableFinished) current?.destroy();
    });

    // Nodes that refused the connection: when that is every one of them, the Region is down.
    let refused = 0;
    const attempt = (index: number, staleRetries = 2): void => {
      const node = candidates[index];
      if (!node) {
        if (refused === candidates.length) {
          const none = candidates.length === 1 ? 'its only node does not answer' : `none of its ${candidates.length} nodes answers`;
          // KMSInternalException, 503: a server-side failure SDKs retry, whose message the AWS CLI prints as is.
          sendKmsError(res, 503, 'KMSInternalException', `Region ${region.name} is down: ${none} (trent start ${region.name} brings it back)`);
        } else {
          sendKmsError(res, 503, 'DependencyTimeoutException', `Region ${region.name} is unavailable: no node answered`);
        }
        return;
      }
      let connected = false;
      let answered = false;
      let failed = false;
      const upstream = request({
        host: node.host,
        port: node.port,
        method: req.method,
        path: req.url,
        // Node sends a raw [name, value, …] list as is, keeping the client's casing, order and
        // Host (which the signature covers); @types/node 20.9 only knows the object form.
        headers: headers as unknown as OutgoingHttpHeaders,
        agent: node.agent,
      });
      current = upstream;

      upstream.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      upstream.setTimeout(this.upstreamTimeoutMs, () => {
        upstream.destroy(new UpstreamTimeout(this.upstreamTimeoutMs));
      });

      upstream.on('response', (answer) => {
        answered = true;
        node.markUp();
        body.release();
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, passOn(answer.rawHeaders, HOP_BY_HOP_RESPONSE));
        answer.pipe(res);
        answer.on('close', () => {
          // The node died halfway through its answer: the client must not see a short body as whole.
          if (!answer.complete) res.destroy();
        });
      });

      upstream.on('error', (err: NodeJS.ErrnoException) => {
        // A destroyed request can report more than once; the first report decides.
        if (failed) return;
        failed = true;
        if (answered || res.headersSent) {
          res.destroy();
          return;
        }
        if (res.destroyed) return;
        body.detach();
        // A reset on a pooled connection before any answer is, almost always, the node having
        // closed it while idle (its keep-alive timer raced our reuse): that says nothing about the
        // node, so it is tried again on a fresh connection. A refused connection means nothing
        // reached the node and the node is gone: the next node gets the request.
        const staleConnection = upstream.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        if (body.canReplay && staleConnection && staleRetries > 0) return attempt(index, staleRetries - 1);
        // A node that took the request and then went silent (SIGSTOP, a wedged process) is as
        // good as down until a health probe says otherwise; a request that is safe to send twice
        // goes on to the next node, like one that never reached the node at all.
        const timedOut = err instanceof UpstreamTimeout;
        if (!connected || timedOut) node.markDown(timedOut ? err.message : describeNetworkError(err));
        if (!connected && !timedOut) refused += 1;
        if (body.canReplay && (!connected || retryable)) return attempt(index + 1);
        const reason =
          err instanceof UpstreamTimeout
            ? `node-${node.id} did not answer within ${formatMs(this.upstreamTimeoutMs)}`
            : `node-${node.id} failed before answering (${describeNetworkError(err)})`;
        sendKmsError(res, 503, 'DependencyTimeoutException', `Region ${region.name} is unavailable: ${reason}`);
      });

      body.attach(upstream);
    };

    attempt(0);
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const path = url.split('?')[0];
    if (req.method === 'GET' && path === '/_trent/health') {
      await this.probeAll();
      const regions = [...this.regions.values()].map((region) => ({
        name: region.name,
        status: region.hasLiveNode ? 'ok' : 'unavailable',
        nodes: region.nodes.map((node) => ({ id: node.id, url: node.url, state: node.state })),
      }));
      const healthy = regions.every((region) => region.status === 'ok');
      sendJson(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'unavailable', regions });
      return;
    }
    if (req.method === 'GET' && path === '/_trent/status') {
      const control = this.options.control;
      const status: ClusterStatus = {
        gateway: { url: this.url, state: 'up', pid: process.pid },
        regions: await collectRegionReports(this.options.host, this.endpoints, 2_000, (region, id) =>
          control ? control.isPaused(region, id) : false,
        ),
      };
      sendJson(res, 200, status);
      return;
    }
    if (req.method === 'POST' && CONTROL_ROUTES.includes(path) && this.options.control) {
      await this.handleControl(req, res, path, this.options.control);
      return;
    }
    const routes = ['GET /_trent/health', 'GET /_trent/status', ...(this.options.control ? CONTROL_ROUTES.map((route) => `POST ${route}`) : [])];
    sendJson(res, 404, { message: `The gateway has no route ${req.method} ${path}; it serves ${routes.join(', ')}` });
  }

  /**
   * With `{"region":"us-east-1"}` instead of a node, kill and start act on the whole Region: its
   * nodes and its nats-server.
   *
   * `POST /_trent/cluster/kill {"node":"us-east-1/2","signal":"SIGKILL"}`,
   * `POST /_trent/cluster/start {"node":"us-east-1/2"}`, `POST /_trent/cluster/add {"region":"us-east-1"}`
   * and `POST /_trent/cluster/remove {"node":"us-east-1/2"}`: the supervisor acts on one node. Only
   * from this machine: whoever can reach the gateway from elsewhere should not stop nodes.
   */
  private async handleControl(req: IncomingMessage, res: ServerResponse, path: string, control: ClusterControl): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) {
      req.resume();
      sendJson(res, 403, { message: 'the /_trent/cluster routes answer loopback clients only' });
      return;
    }
    const body = await readJsonBody(req);
    if (path === '/_trent/cluster/add') {
      if (!isRecord(body) || typeof body.region !== 'string') {
        sendJson(res, 400, { message: 'body must be JSON like {"region":"us-east-1"}' });
        return;
      }
      await answerControl(res, () => control.addNode(body.region as string));
      return;
    }
    const wholeRegion = path !== '/_trent/cluster/remove' && isRecord(body) && typeof body.region === 'string' && body.node === undefined;
    if (!isRecord(body) || (typeof body.node !== 'string' && !wholeRegion)) {
      const region = path === '/_trent/cluster/remove' ? '' : ' or {"region":"us-east-1"} for the whole Region';
      sendJson(res, 400, { message: `body must be JSON like {"node":"us-east-1/2"}${region}` });
      return;
    }
    const target = String(wholeRegion ? body.region : body.node);
    if (path === '/_trent/cluster/start') return answerControl(res, () => (wholeRegion ? control.startRegion(target) : control.startNode(target)));
    if (path === '/_trent/cluster/remove') return answerControl(res, () => control.removeNode(target));
    const signal = body.signal ?? 'SIGKILL';
    if (!NODE_SIGNALS.includes(signal as NodeSignal)) {
      sendJson(res, 400, { message: `"signal" must be one of ${NODE_SIGNALS.join(', ')}` });
      return;
    }
    await answerControl(res, () => (wholeRegion ? control.signalRegion(target, signal as NodeSignal) : control.signalNode(target, signal as NodeSignal)));
  }
}

const CONTROL_ROUTES = ['/_trent/cluster/kill', '/_trent/cluster/start', '/_trent/cluster/add', '/_trent/cluster/remove'];

/** 200 with the supervisor's answer, or a ControlError's status and message. */
async function answerControl(res: ServerResponse, act: () => Promise<unknown>): Promise<void> {
  try {
    sendJson(res, 200, await act());
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    sendJson(res, err.status, { message: err.message });
  }
}

const formatMs = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The request's JSON body, or undefined when it is not JSON or larger than {@link MAX_ADMIN_BODY}. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ADMIN_BODY) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class UpstreamTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** rawHeaders (name, value, name, value, …) minus the named headers. */
function passOn(rawHeaders: readonly string[], drop: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!drop.has(rawHeaders[i].toLowerCase())) kept.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return kept;
}

/** An error in AWS JSON 1.1 form: `__type` in the body and `x-amzn-errortype` in the headers. */
function sendKmsError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
