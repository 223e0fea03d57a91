import autocannon = require('autocannon');
import { randomBytes } from 'node:crypto';
import { CheckedWriteCase } from './checked-write-case';
import { LoadSlice, runAutocannon } from './http-load';
import { postJson, PUT_PATH, putBody, putReplyProblem, RANGE_PATH } from './etcd-gateway';

export const VALUE_BYTES = 256;

/** Every put of the run gets a key of its own; etcd keeps them all (no compaction), a few MB per case. */
let sequence = 0;

export interface PutSliceRun {
  /** Client URLs; connection i goes to urls[i % urls.length]. */
  urls: readonly string[];
  connections: number;
  durationS: number;
  /** Keys are `<keyPrefix><sequence>`. */
  keyPrefix: string;
  /** The same value for every put, base64 (etcd neither compresses nor deduplicates values). */
  valueBase64: string;
  onReply: (status: number, body: string) => void;
}

/**
 * Puts through the JSON gateway over keep-alive connections for `durationS` seconds, one request
 * in flight per connection. Unlike the Trent cases, each body is built as it is sent (the key
 * changes), which costs the generator about a microsecond per request.
 */
export function runPutSlice(run: PutSliceRun): Promise<LoadSlice> {
  const head = '{"key":"';
  const tail = `","value":"${run.valueBase64}"}`;
  const request: autocannon.Request = {
    method: 'POST',
    path: PUT_PATH,
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: head + Buffer.from(`${run.keyPrefix}${sequence++}`).toString('base64') + tail }),
    onResponse: (status, body) => run.onReply(status, body),
  };
  return runAutocannon({ urls: run.urls, connections: run.connections, durationS: run.durationS, requests: [request] });
}

/**
 * One row of the etcd put benchmark: a number of connections, where they go (resolved again before
 * every slice, since the leader may move), and the slices measured so far. Every reply is checked
 * (200 and a JSON body with a response header); before the first slice one put is read back from
 * each target, so a gateway that answers without storing cannot pass.
 */
export class EtcdPutCase extends CheckedWriteCase {
  private readonly valueBase64 = randomBytes(VALUE_BYTES).toString('base64');

  protected slice(urls: string[], seconds: number, counted: boolean): Promise<LoadSlice> {
    const keyPrefix = `bench/${this.name.replace(/\W+/g, '-')}/`;
    return runPutSlice({
      urls,
      connections: this.connections,
      durationS: seconds,
      keyPrefix,
      valueBase64: this.valueBase64,
      onReply: (status, body) => this.checkReply(putReplyProblem(status, body), status, counted),
    });
  }

  protected async writeAndReadBack(url: string): Promise<string | undefined> {
    const key = `bench/preflight/${sequence++}`;
    const value = Buffer.from(this.valueBase64, 'base64');
    const put = await postJson(url, PUT_PATH, putBody(key, value), { timeoutMs: 5_000 });
    const problem = putReplyProblem(put.status, put.body);
    if (problem !== undefined) return `put: ${problem}`;
    const got = await postJson(url, RANGE_PATH, `{"key":"${Buffer.from(key).toString('base64')}"}`, { timeoutMs: 5_000 });
    const kvs = (JSON.parse(got.body) as { kvs?: Array<{ value?: string }> }).kvs;
    return got.status === 200 && kvs?.length === 1 && kvs[0]!.value === this.valueBase64 ? undefined : `read back: HTTP ${got.status}: ${got.body.slice(0, 200)}`;
  }
}
