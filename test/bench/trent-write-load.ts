import autocannon = require('autocannon');
import { request as httpRequest } from 'node:http';
import { CheckedWriteCase } from './checked-write-case';
import { LoadSlice, runAutocannon } from './http-load';
import type { RequestResigner } from './request-resigner';

/**
 * One kind of write: the recorded requests it is made of (connections cycle through them, each
 * send signed afresh), how a reply is judged, and how one acknowledged write is read back.
 */
export interface WriteKind {
  readonly operation: string;
  readonly resigners: readonly RequestResigner[];
  /** undefined when the reply is a right answer to the write, else what is wrong. */
  check(status: number, body: string): string | undefined;
  /** Reads back, through another API call to `url`, what the write answered with `body` did. */
  readBack(url: string, body: string): Promise<string | undefined>;
}

export interface WriteSliceRun {
  urls: readonly string[];
  connections: number;
  durationS: number;
  kind: WriteKind;
  onReply: (status: number, body: string) => void;
}

/**
 * Writes over keep-alive connections for `durationS` seconds, one request in flight per
 * connection. Every request is a new one to the node (its own invocation id and signature): see
 * RequestResigner. Like the etcd puts, each is serialised as it is sent.
 */
export function runWriteSlice(run: WriteSliceRun): Promise<LoadSlice> {
  const requests: autocannon.Request[] = run.kind.resigners.map((signer) => ({
    method: 'POST',
    path: '/',
    body: signer.body,
    setupRequest: (req) => ({ ...req, headers: wireHeaders(signer.headers()) }),
    onResponse: (status, body) => run.onReply(status, body),
  }));
  return runAutocannon({ urls: run.urls, connections: run.connections, durationS: run.durationS, requests });
}

/** autocannon writes Content-Length (the same value, which stays signed) and Connection itself. */
function wireHeaders(signed: Record<string, string>): Record<string, string> {
  const { 'content-length': _length, connection: _connection, ...rest } = signed;
  return rest;
}

/**
 * One row of the Trent write benchmark, the counterpart of EtcdPutCase: a kind of write, a number
 * of connections, where they go (resolved again before every slice, since the leader may move),
 * and the slices measured so far. Every reply is checked. Before the first slice one write per
 * target is sent and read back. Around each measured slice the Region's commit index is read: it
 * must have moved by at least the writes acknowledged, or some were answered from the session
 * table (a replay) rather than written.
 */
export class TrentWriteCase extends CheckedWriteCase {
  /** Acknowledged writes in measured slices, and the Raft log entries committed meanwhile. */
  acknowledged = 0;
  entriesCommitted = 0;
  /** Measured slices whose commit index moved by less than the writes acknowledged in them. */
  readonly shortSlices: string[] = [];

  constructor(
    name: string,
    readonly operation: string,
    connections: number,
    private readonly kind: WriteKind,
    targets: () => Promise<string[]>,
    private readonly commitIndex: () => Promise<number>,
    progress: (line: string) => void,
  ) {
    super(name, connections, targets, progress);
  }

  override async measure(seconds: number): Promise<LoadSlice | undefined> {
    const urls = await this.checkedTargets();
    if (!urls) return undefined;
    const before = await this.commitIndex();
    let good = 0;
    const slice = await this.slice(urls, seconds, true, () => good++);
    // Writes still in flight when the slice ended may commit meanwhile: the index can only run ahead.
    const entries = (await this.commitIndex()) - before;
    this.acknowledged += good;
    this.entriesCommitted += entries;
    if (entries < good) this.shortSlices.push(`slice ${this.slices.length + 1}: ${good} writes acknowledged, the commit index moved by ${entries}`);
    this.slices.push(slice);
    return slice;
  }

  protected slice(urls: string[], seconds: number, counted: boolean, onGood?: () => void): Promise<LoadSlice> {
    return runWriteSlice({
      urls,
      connections: this.connections,
      durationS: seconds,
      kind: this.kind,
      onReply: (status, body) => this.checkReply(this.kind.check(status, body), status, counted, onGood),
    });
  }

  protected async writeAndReadBack(url: string): Promise<string | undefined> {
    const signer = this.kind.resigners[0]!;
    const reply = await postRaw(url, wireHeaders(signer.headers()), signer.body, 5_000);
    const problem = this.kind.check(reply.status, reply.body);
    if (problem !== undefined) return `${this.operation}: ${problem}`;
    const readBack = await this.kind.readBack(url, reply.body);
    return readBack === undefined ? undefined : `read back: ${readBack}`;
  }
}

/** One POST / on a fresh connection. */
export function postRaw(baseUrl: string, headers: Record<string, string>, body: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(new URL('/', baseUrl), { method: 'POST', agent: false, signal, timeout: timeoutMs, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    out.on('timeout', () => out.destroy(new Error(`no reply from ${baseUrl} within ${timeoutMs} ms`)));
    out.on('error', reject);
    out.end(body);
  });
}
