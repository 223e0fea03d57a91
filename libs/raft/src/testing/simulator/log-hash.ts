import type { Entry } from '../../types';

/**
 * Rolling hash of a log prefix: h[i] = H(h[i-1], term[i], type[i], data[i]), h[0] = 0.
 * Equal hashes at an index mean (up to collisions) equal prefixes, so comparing one number
 * compares whole logs (Log Matching, State Machine Safety, raft.md §3.3). A collision can only
 * hide a violation, never report a false one.
 */
export function rollHash(prev: number, e: Pick<Entry, 'term' | 'type' | 'data'>): number {
  let h = Math.imul(prev ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ e.term, 0x01000193) >>> 0;
  h = Math.imul(h ^ (e.type === 'noop' ? 1 : 2), 0x01000193) >>> 0;
  h = Math.imul(h ^ e.data.length, 0x01000193) >>> 0;
  for (let i = 0; i < e.data.length; i++) h = Math.imul(h ^ e.data[i], 0x01000193) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return h >>> 0;
}
