import { request as httpRequest } from 'node:http';

/**
 * etcd 3.4's JSON gRPC gateway, as far as the bench uses it. Bytes travel base64-encoded and
 * 64-bit integers as decimal strings (proto3 JSON), so member ids stay strings here.
 */
export const PUT_PATH = '/v3/kv/put';
export const RANGE_PATH = '/v3/kv/range';
export const STATUS_PATH = '/v3/maintenance/status';

export interface GatewayReply {
  status: number;
  body: string;
}

/** The part of a StatusResponse the bench reads; every integer is a decimal string. */
export interface MemberStatus {
  header: { member_id: string; raft_term: string };
  /** "0" while the member knows of no leader. */
  leader: string;
  raftIndex: string;
  raftAppliedIndex: string;
}

export function putBody(key: string, value: Buffer | string): string {
  return `{"key":"${Buffer.from(key).toString('base64')}","value":"${Buffer.from(value).toString('base64')}"}`;
}

/**
 * A put is done when etcd answers 200 with a response header (cluster, member, revision, term).
 * undefined when it is, else what is wrong.
 */
export function putReplyProblem(status: number, body: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
  const header = (parsed as { header?: unknown } | null)?.header;
  return typeof header === 'object' && header !== null ? undefined : `no header in ${body.slice(0, 200)}`;
}

export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One POST on a fresh connection (no keep-alive: a member killed meanwhile leaves no stale socket). */
export function postJson(baseUrl: string, path: string, body: string, { timeoutMs, signal }: PostOptions): Promise<GatewayReply> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      new URL(path, baseUrl),
      { method: 'POST', agent: false, signal, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    out.on('timeout', () => out.destroy(new Error(`no reply from ${baseUrl}${path} within ${timeoutMs} ms`)));
    out.on('error', reject);
    out.end(body);
  });
}

export async function memberStatus(baseUrl: string, timeoutMs: number): Promise<MemberStatus> {
  const reply = await postJson(baseUrl, STATUS_PATH, '{}', { timeoutMs });
  if (reply.status !== 200) throw new Error(`status of ${baseUrl}: HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
  return JSON.parse(reply.body) as MemberStatus;
}
