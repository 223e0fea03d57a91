import type { Message } from '../types';

// Frames on a stream are a 4-byte big-endian length, then that many bytes. The first frame of a
// connection is a JSON handshake (`frame`); every later one a Raft message (`encodeMessage`).

/** A frame larger than this is refused: a corrupt length must not make us allocate gigabytes. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** A frame holding `value` as JSON (the handshake). */
export function frame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export function decodeJson<T>(body: Buffer): T {
  return JSON.parse(body.toString('utf8')) as T;
}

/** Splits a byte stream into frames; throws on an oversized frame (the connection is then dropped). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.chunks.length === 1 ? this.chunks[0] : this.flatten();
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes exceeds the limit`);
      if (this.buffered < 4 + length) break;
      const all = this.flatten();
      frames.push(all.subarray(4, 4 + length));
      const rest = all.subarray(4 + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0];
  }
}

// ---- Raft messages: a JSON head with byte fields swapped for blob numbers, then the blobs raw.
// No replacer or reviver runs per value, and entry data is not base64'd (the hot path: appends).
// Frame body: u32 head length, head (JSON), u32 blob count, u32 length per blob, blob bytes.

type Wire = Record<string, unknown>;

function toWire(m: Message, blobs: Uint8Array[]): Wire {
  const blob = (b: Uint8Array) => blobs.push(b) - 1;
  switch (m.type) {
    case 'app':
      return { ...m, entries: m.entries.map((e) => ({ index: e.index, term: e.term, type: e.type, data: blob(e.data) })) };
    case 'prop':
      return { ...m, data: m.data.map(blob) };
    case 'readIndex':
    case 'readIndexResp':
      return { ...m, ctx: blob(m.ctx) };
    case 'snap':
      return { ...m, snapshot: { meta: m.snapshot.meta, data: blob(m.snapshot.data) } };
    default:
      return m as unknown as Wire;
  }
}

function fromWire(w: Wire, blobs: Uint8Array[]): Message {
  const blob = (i: unknown) => {
    const b = blobs[i as number];
    if (b === undefined) throw new Error(`message refers to missing blob ${String(i)}`);
    return b;
  };
  switch (w.type) {
    case 'app':
      return { ...w, entries: (w.entries as Wire[]).map((e) => ({ ...e, data: blob(e.data) })) } as unknown as Message;
    case 'prop':
      return { ...w, data: (w.data as unknown[]).map(blob) } as unknown as Message;
    case 'readIndex':
    case 'readIndexResp':
      return { ...w, ctx: blob(w.ctx) } as unknown as Message;
    case 'snap': {
      const s = w.snapshot as Wire;
      return { ...w, snapshot: { meta: s.meta, data: blob(s.data) } } as unknown as Message;
    }
    default:
      return w as unknown as Message;
  }
}

export function encodeMessage(m: Message): Buffer {
  const blobs: Uint8Array[] = [];
  const head = Buffer.from(JSON.stringify(toWire(m, blobs)), 'utf8');
  const blobBytes = blobs.reduce((n, b) => n + b.byteLength, 0);
  const size = 4 + head.length + 4 + 4 * blobs.length + blobBytes;
  const out = Buffer.allocUnsafe(4 + size);
  let at = out.writeUInt32BE(size, 0);
  at = out.writeUInt32BE(head.length, at);
  at += head.copy(out, at);
  at = out.writeUInt32BE(blobs.length, at);
  for (const b of blobs) at = out.writeUInt32BE(b.byteLength, at);
  for (const b of blobs) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** Decodes one frame body from encodeMessage; throws on a malformed one (the connection is dropped). */
export function decodeMessage(body: Buffer): Message {
  const headLength = body.readUInt32BE(0);
  const head = JSON.parse(body.toString('utf8', 4, 4 + headLength)) as Wire;
  let at = 4 + headLength;
  const count = body.readUInt32BE(at);
  at += 4;
  if (count > body.length) throw new Error(`frame claims ${count} blobs`);
  const lengths: number[] = [];
  for (let i = 0; i < count; i++, at += 4) lengths.push(body.readUInt32BE(at));
  const blobs: Uint8Array[] = [];
  for (const n of lengths) {
    if (at + n > body.length) throw new Error('frame is shorter than its blobs');
    // A copy: the frame's buffer is reused by the reader, and entries outlive it in the log.
    blobs.push(new Uint8Array(body.subarray(at, at + n)));
    at += n;
  }
  return fromWire(head, blobs);
}
