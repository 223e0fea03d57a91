import { Sha256Js } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrentNode } from '../support/trent-node';

/** Helpers shared by the e2e suites: the dev-mode clock, polling, identities files. */

export const DAY_S = 24 * 60 * 60;
export const DAY_MS = DAY_S * 1000;

/** The development identity every node knows (IdentityStore.default). */
export const DEV_ACCOUNT = '000000000000';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const KEY_MATERIAL_ID = /^[a-f0-9]{64}$/;

export const keyArnOf = (region: string, account: string, keyId: string): string => `arn:aws:kms:${region}:${account}:key/${keyId}`;
export const aliasArnOf = (region: string, account: string, aliasName: string): string => `arn:aws:kms:${region}:${account}:${aliasName}`;

/** Moves the node's cluster clock forward (dev mode). Returns the new cluster time. */
export async function advanceClock(node: TrentNode, seconds: number): Promise<Date> {
  const res = await fetch(`${node.endpoint}/_trent/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seconds }),
  });
  if (res.status !== 200) throw new Error(`clock/advance answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { clusterTime: string };
  return new Date(body.clusterTime);
}

/** The node's cluster time (wall clock plus whatever the suite advanced it by). */
export async function clusterNow(node: TrentNode): Promise<Date> {
  const res = await fetch(`${node.endpoint}/_trent/status`);
  const body = (await res.json()) as { clusterTime: string };
  return new Date(body.clusterTime);
}

/** Retries `check` until it stops throwing, or rethrows its last failure after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

export interface IdentityEntry {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  principalArn: string;
}

/** Writes an identities file in a fresh temporary directory; returns its path. */
export function writeIdentitiesFile(identities: IdentityEntry[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'trent-e2e-ids-'));
  const file = join(dir, 'identities.json');
  writeFileSync(file, JSON.stringify(identities, null, 2));
  return file;
}

/** Expects `d` to be a Date within `toleranceMs` of `around`. */
export function expectDateNear(d: Date | undefined, around: Date | number, toleranceMs = 60_000): void {
  expect(d).toBeInstanceOf(Date);
  const target = typeof around === 'number' ? around : around.getTime();
  expect(Math.abs(d!.getTime() - target)).toBeLessThanOrEqual(toleranceMs);
}

export const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
export const text = (b: Uint8Array | undefined): string => Buffer.from(b!).toString('utf8');

/** A raw AWS JSON 1.1 reply: status, the headers that matter, and the parsed body. */
export interface RawReply {
  status: number;
  contentType: string | null;
  errorType: string | null;
  body: Record<string, unknown>;
}

/**
 * POSTs a KMS request signed with the AWS SDK's own SigV4 signer, bypassing the SDK's serializer,
 * so the test controls the exact JSON sent and sees the exact JSON answered.
 */
export async function signedPost(
  node: TrentNode,
  operation: string,
  body: string,
  credentials = { accessKeyId: 'test', secretAccessKey: 'test' },
): Promise<RawReply> {
  const url = new URL(node.endpoint);
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${operation}`,
    },
    body,
  });
  const signer = new SignatureV4({ credentials, region: node.region, service: 'kms', sha256: Sha256Js });
  const signed = await signer.sign(request);
  const res = await fetch(`${node.endpoint}/`, { method: 'POST', headers: signed.headers, body });
  const raw = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    errorType: res.headers.get('x-amzn-errortype'),
    body: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>),
  };
}

/**
 * Walks a Limit/Marker listing to the end, checking on every page that it holds at most `limit`
 * items and that Truncated agrees with NextMarker. Returns the pages' items in order and the page count.
 */
export async function pageThrough<T>(
  limit: number,
  fetchPage: (marker: string | undefined) => Promise<{ items: T[] | undefined; Truncated?: boolean; NextMarker?: string }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(marker);
    pages += 1;
    expect(page.items!.length).toBeLessThanOrEqual(limit);
    items.push(...page.items!);
    expect(page.Truncated).toBe(page.NextMarker !== undefined);
    marker = page.NextMarker;
  } while (marker);
  return { items, pages };
}
