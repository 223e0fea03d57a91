import { isKmsError } from '@trent/protocol';
import { StoreOp } from '@trent/storage';
import { Command, CommandBody, CommandResult, CommandType } from './command';
import { KmsState, StateWriter } from './kms-state';

export interface ApplyContext {
  readonly region: string;
}

export type Applier<T extends CommandType> = (w: StateWriter, cmd: Command<Extract<CommandBody, { type: T }>>, ctx: ApplyContext) => unknown;
export type ApplierTable = { [T in CommandType]: Applier<T> };

/** How long (cluster time) a request id is remembered, so a retried command is applied once. */
export const SESSION_WINDOW_MS = 15 * 60 * 1000;

/**
 * apply(state, command) → result. Deterministic: no clock, no randomness, no I/O; the store ops it
 * returns are written by the log in one batch together with the applied index.
 */
export class KmsStateMachine {
  constructor(
    readonly state: KmsState,
    private readonly ctx: ApplyContext,
    private readonly appliers: ApplierTable,
  ) {}

  apply(index: number, cmd: Command): { result: CommandResult; ops: StoreOp[] } {
    // Invariant: entries are applied in index order, each exactly once.
    if (index !== this.state.appliedIndex + 1) throw new Error(`apply out of order: index ${index} after ${this.state.appliedIndex}`);
    const w = new StateWriter(this.state);
    const seen = this.state.sessions.get(cmd.requestId);
    let result: CommandResult;
    if (seen) {
      result = seen.result;
    } else {
      result = this.run(w, cmd);
      w.putSession({ requestId: cmd.requestId, index, at: cmd.now, result });
    }
    this.expireSessions(w, cmd.now);
    w.setApplied(index);
    return { result, ops: w.ops };
  }

  /** An entry with no command (a leader's no-op, a membership change): only the applied index moves. */
  applyNoop(index: number): StoreOp[] {
    if (index !== this.state.appliedIndex + 1) throw new Error(`apply out of order: index ${index} after ${this.state.appliedIndex}`);
    const w = new StateWriter(this.state);
    w.setApplied(index);
    return w.ops;
  }

  private run(w: StateWriter, cmd: Command): CommandResult {
    const applier = this.appliers[cmd.body.type] as Applier<CommandType> | undefined;
    if (!applier) return { ok: false, code: 'KMSInternalException', message: `unknown command ${cmd.body.type}` };
    try {
      const value = applier(w, cmd as never, this.ctx);
      return value === undefined ? { ok: true } : { ok: true, value };
    } catch (e) {
      // Appliers validate before they mutate, so a thrown KmsError leaves the state untouched.
      if (isKmsError(e)) return { ok: false, code: e.code, message: e.message };
      throw e;
    }
  }

  /** Sessions leave in apply order, so every node expires the same ones at the same index. */
  private expireSessions(w: StateWriter, now: number): void {
    for (const entry of this.state.sessions.values()) {
      if (entry.at >= now - SESSION_WINDOW_MS) break;
      w.deleteSession(entry.requestId);
    }
  }
}
