import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux the bench meets). */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc; undefined when it is gone or
 * there is no /proc. Resolution 10 ms: meant for totals over slices of a second or more.
 */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..."; comm may hold spaces and parentheses. utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}


/** Named groups of processes, e.g. `{ 'leader primary': [pid], 'follower workers': [pid, pid] }`. */
export type ProcessGroups = Record<string, readonly number[]>;

/** CPU seconds of each group between construction and `stop()`; a process gone meanwhile counts up to its last reading. */
export class CpuMeter {
  private readonly start = new Map<number, number>();

  constructor(private readonly groups: ProcessGroups) {
    for (const pid of Object.values(groups).flat()) this.start.set(pid, cpuSecondsOf(pid) ?? 0);
  }

  stop(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups)) {
      out[name] = pids.reduce((s, pid) => s + Math.max(0, (cpuSecondsOf(pid) ?? this.start.get(pid)!) - this.start.get(pid)!), 0);
    }
    return out;
  }
}
