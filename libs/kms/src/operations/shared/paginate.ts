import { Errors } from '../../errors/kms-errors';

export interface Page<T> {
  items: T[];
  /** Present (with Truncated: true) when more items follow. */
  nextMarker?: string;
}

/**
 * Limit/Marker pagination over items already sorted by `sortKey`. The marker is opaque to the
 * caller (base64url of the last sort key returned), so it survives inserts and deletes between pages.
 */
export function paginate<T>(sorted: readonly T[], sortKey: (t: T) => string, limit: number | undefined, marker: string | undefined, defaultLimit: number): Page<T> {
  let start = 0;
  if (marker !== undefined) {
    const after = decodeMarker(marker);
    start = sorted.findIndex((t) => sortKey(t) > after);
    if (start < 0) start = sorted.length;
  }
  const size = limit ?? defaultLimit;
  const items = sorted.slice(start, start + size);
  const more = start + size < sorted.length;
  return more ? { items, nextMarker: encodeMarker(sortKey(items[items.length - 1])) } : { items };
}

/** AWS list responses: `Truncated` always, `NextMarker` only when truncated. */
export const pageFields = (page: Page<unknown>): { Truncated: boolean; NextMarker?: string } =>
  page.nextMarker ? { Truncated: true, NextMarker: page.nextMarker } : { Truncated: false };

const MARKER_PREFIX = 'trent1:';
const encodeMarker = (key: string): string => Buffer.from(MARKER_PREFIX + key, 'utf8').toString('base64url');

function decodeMarker(marker: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(marker) ? Buffer.from(marker, 'base64url').toString('utf8') : '';
  if (!text.startsWith(MARKER_PREFIX)) throw Errors.invalidMarker();
  return text.slice(MARKER_PREFIX.length);
}
