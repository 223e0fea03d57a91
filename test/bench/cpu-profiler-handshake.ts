import { join } from 'node:path';

/**
 * How the bench and cpu-profiler.preload (running inside the Trent node) agree: the preload is
 * loaded with `--require`, learns where to write from this variable, starts sampling on this
 * signal and writes the profile when the node exits.
 */
export const PROFILE_DIR_VARIABLE = 'TRENT_BENCH_CPU_PROF_DIR';
export const START_SIGNAL = 'SIGUSR2';
export const PRELOAD_PATH = join(__dirname, 'cpu-profiler.preload.js');
