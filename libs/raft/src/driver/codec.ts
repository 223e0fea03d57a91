import type { Message } from '../types';

/**
 * The wire form of a Raft message: JSON, with every byte array as `{"$b": base64}`.
 * Frames on a stream are a 4-byte big-endian length, then that many bytes of JSON.
 */
const BYTES_TAG = '$b';
/** A frame larger than this is refused: a corrupt length must not make us allocate gigabytes. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `this[key]` is the value before toJSON, so a Buffer is seen as bytes, not as {type, data}.
  const raw = this[key];
  if (raw instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>)[BYTES_TAG] === 'string') {
    return new Uint8Array(Buffer.from((value as Record<string, string>)[BYTES_TAG], 'base64'));
  }
  return value;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, replacer), 'utf8');
}

export function decodeJson<T>(bytes: Buffer): T {
  return JSON.parse(bytes.toString('utf8'), reviver) as T;
}

export function frame(value: unknown): Buffer {
  const body = encodeJson(value);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
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

export const encodeMessage = (m: Message): Buffer => frame(m);
export const decodeMessage = (bytes: Buffer): Message => decodeJson<Message>(bytes);
