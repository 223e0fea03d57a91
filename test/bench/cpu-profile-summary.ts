/**
 * Reads a V8 .cpuprofile and says where the busy time went: self time by area (a package, a Trent
 * lib, a Node subsystem, GC) and the hottest functions. Time in V8 builtins and native code (a
 * syscall, a hash, a RegExp) is charged to the nearest JavaScript caller, so `writev` counts for
 * node:net rather than for an anonymous "native" bucket.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Of busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  areas: ProfileShare[];
  functions: ProfileShare[];
}

export function summariseCpuProfile(file: string, repoRoot: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const totalHits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerHit = totalHits > 0 ? wallMs / totalHits : 0;

  const parentOf = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n);
  const jsCaller = (node: ProfileNode): ProfileNode | undefined => {
    let at = parentOf.get(node.id);
    while (at !== undefined && at.callFrame.url === '') at = parentOf.get(at.id);
    return at;
  };

  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerHit;
    if (ms === 0 || node.callFrame.functionName === '(idle)') continue;
    busyMs += ms;
    // '(garbage collector)', '(program)' and the like have no meaningful caller.
    const pseudo = node.callFrame.url === '' && node.callFrame.functionName.startsWith('(');
    const caller = node.callFrame.url === '' && !pseudo ? jsCaller(node) : undefined;
    const area = areaOf((caller ?? node).callFrame, repoRoot);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const fn = caller ? `${node.callFrame.functionName || '(native)'} ← ${functionLabel(caller.callFrame, repoRoot)}` : functionLabel(node.callFrame, repoRoot);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const ranked = (m: Map<string, number>): ProfileShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
  return { file, wallMs, busyMs, areas: ranked(byArea), functions: ranked(byFunction) };
}

function areaOf(frame: ProfileNode['callFrame'], repoRoot: string): string {
  const { functionName, url } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(V8 builtins and native code)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const trent = /\/dist\/(libs|apps)\/([^/]+)\//.exec(url);
  if (trent) return trent[1] === 'libs' ? `@trent/${trent[2]}` : `apps/${trent[2]}`;
  if (url.startsWith('node:')) {
    // node:internal/crypto/hash → node:internal/crypto; node:_http_server stays as it is.
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts.join('/')}`;
  }
  return relative(repoRoot, url.replace(/^file:\/\//, ''));
}

function functionLabel(frame: ProfileNode['callFrame'], repoRoot: string): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  const where = frame.url.startsWith('node:') ? frame.url : relative(repoRoot, frame.url.replace(/^file:\/\//, ''));
  return `${name} ${where}:${frame.lineNumber + 1}`;
}
