import type { IncomingHttpHeaders } from 'node:http';

// Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request
const AUTHORIZATION_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//;
const QUERY_CREDENTIAL = /[?&]X-Amz-Credential=([^&#]*)/i;

/**
 * The Region a SigV4 request was signed for, read from its credential scope: the
 * `Authorization` header, or `X-Amz-Credential` on a presigned URL. Undefined when the request
 * carries no recognisable scope — the node then answers with AWS's authentication error.
 *
 * Only the Region is read here; the signature itself is verified by the node.
 */
export function regionOfRequest(headers: IncomingHttpHeaders, url: string | undefined): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = AUTHORIZATION_SCOPE.exec(authorization);
    if (match) return match[1];
  }
  if (url && url.includes('?')) {
    const match = QUERY_CREDENTIAL.exec(url);
    if (match) {
      let credential: string;
      try {
        credential = decodeURIComponent(match[1]);
      } catch {
        return undefined;
      }
      const parts = credential.split('/');
      if (parts.length >= 5 && /^\d{8}$/.test(parts[1]) && parts[2]) return parts[2];
    }
  }
  return undefined;
}
