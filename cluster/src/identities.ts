import { readFileSync } from 'node:fs';
import { ClusterError } from './cluster-error';

/** One entry of the identities file the nodes authenticate against. */
export interface Identity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  readonly principalArn: string;
}

/**
 * Reads an identities file far enough to catch a wrong path or a broken file before any node
 * starts (the node itself applies the full rules), and to show the user which credentials work.
 */
export function readIdentities(file: string): Identity[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ClusterError(
      code ? `cannot read identities file ${file}: ${code}` : `identities file ${file} is not valid JSON`,
    );
  }
  const usable =
    Array.isArray(json) &&
    json.length > 0 &&
    json.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof entry.accessKeyId === 'string' &&
        typeof entry.secretAccessKey === 'string',
    );
  if (!usable) {
    throw new ClusterError(
      `identities file ${file} must be a non-empty list of {"accessKeyId", "secretAccessKey", "accountId", "principalArn"}`,
    );
  }
  return json as Identity[];
}
