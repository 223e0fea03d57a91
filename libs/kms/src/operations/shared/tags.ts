import { Errors } from '../../errors/kms-errors';
import { Tag } from '../../model/key-record';

export const MAX_TAGS_PER_KEY = 50;

/** Merges `incoming` into `existing` (same key: new value wins), with AWS's tag rules. */
export function validateTags(incoming: Tag[], existing: Tag[]): Tag[] {
  const seen = new Set<string>();
  for (const t of incoming) {
    if (t.TagKey.toLowerCase().startsWith('aws:')) throw Errors.tag('Tags beginning with aws: are reserved');
    if (seen.has(t.TagKey)) throw Errors.tag('Duplicate tag keys');
    seen.add(t.TagKey);
  }
  const merged = existing.filter((t) => !seen.has(t.TagKey)).concat(incoming.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' })));
  if (merged.length > MAX_TAGS_PER_KEY) throw Errors.tag('Too many tags');
  return merged;
}
