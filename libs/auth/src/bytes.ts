/**
 * The same bytes as a plain Uint8Array view, no copy. With this repo's @types/node, TypeScript 5.9
 * no longer accepts a Buffer where node:crypto asks for a Uint8Array; the view satisfies both.
 */
export function asBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
