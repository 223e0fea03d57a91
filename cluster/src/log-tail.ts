import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `lines` lines of a log file, reading no further back than `from` (the offset where
 * the current run began appending) and no more than 64 KiB. Empty when the file is unreadable.
 */
export function readLogTail(file: string, from = 0, lines = 20): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - 64 * 1024);
    const bytes = new Uint8Array(Math.max(0, size - start));
    readSync(fd, bytes, 0, bytes.length, start);
    const text = Buffer.from(bytes.buffer, 0, bytes.length).toString('utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The current size of a file, i.e. where the next appended byte will land (0 if absent). */
export function fileSize(file: string): number {
  try {
    const fd = openSync(file, 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}
