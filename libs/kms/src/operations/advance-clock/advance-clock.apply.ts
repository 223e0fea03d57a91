import { Errors } from '../../errors/kms-errors';
import { Applier } from '../../state/kms-state-machine';

/** Moves cluster time forward for the whole Region (dev mode only; not an AWS action). */
export const applyAdvanceClock: Applier<'AdvanceClock'> = (w, cmd) => {
  if (!(cmd.body.deltaMs > 0)) throw Errors.validation('The clock only moves forward.');
  w.setClockOffset(w.state.clockOffsetMs + cmd.body.deltaMs);
  return { clockOffsetMs: w.state.clockOffsetMs };
};
