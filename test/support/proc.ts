import { readdirSync, readFileSync } from 'node:fs';

/** Direct children of a process (a node's HTTP workers, a bench's servers), from /proc; [] without /proc. */
export function childPidsOf(pid: number): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false; // exited meanwhile
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}
