/**
 * Loaded into the Trent node with `--require` (through NODE_OPTIONS, which does not admit
 * `--cpu-prof` on Node 20) when the bench runs with --cpu-prof. Profiling starts on SIGUSR2, so
 * start-up and set-up stay out of the profile, and the profile is written when the process exits.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILE_DIR_VARIABLE, START_SIGNAL } from './cpu-profiler-handshake';

const dir = process.env[PROFILE_DIR_VARIABLE];
if (dir) {
  const session = new Session();
  session.connect();
  let started = false;
  process.on(START_SIGNAL, () => {
    if (started) return;
    started = true;
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 500 }); // µs
    session.post('Profiler.start');
  });
  // An in-thread inspector session answers synchronously, so this works inside 'exit'.
  process.on('exit', () => {
    if (!started) return;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `trent-node-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
