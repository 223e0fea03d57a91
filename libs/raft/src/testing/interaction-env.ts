import { describeEntries, describeMessage, describeReady, describeStatus } from './describe';
import { RaftNetwork } from './raft-network';

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Interpreter for scripted interaction tests (libs/raft/testdata/*.txt). Each command returns
 * its output lines; the script file holds the expected output under `----`.
 *
 *   add-nodes N [election=10] [heartbeat=1] [prevote=true] [checkquorum=true] [seed=1]
 *   campaign ID | propose ID DATA | read-index ID CTX | transfer-leadership FROM TO
 *   tick ID N | tick-election ID | tick-heartbeat ID
 *   process-ready ID | deliver-msgs | stabilize
 *   partition ID... | isolate ID | heal
 *   status ID | raft-log ID
 */
export class InteractionEnv {
  private net: RaftNetwork | null = null;
  private electionTicks = 10;
  private heartbeatTicks = 1;

  run(line: string): string[] {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    const args = rest.filter((a) => !a.includes('='));
    const kv = Object.fromEntries(rest.filter((a) => a.includes('=')).map((a) => a.split('=', 2)));
    switch (cmd) {
      case 'add-nodes':
        return this.addNodes(Number(args[0]), kv);
      case 'campaign':
        this.network().core(args[0]).campaign();
        return [];
      case 'propose':
        return [this.network().core(args[0]).propose(enc(args[1] ?? ''))];
      case 'read-index':
        return [this.network().core(args[0]).readIndex(enc(args[1] ?? ''))];
      case 'transfer-leadership':
        this.network().core(args[0]).transferLeadership(args[1]);
        return [];
      case 'tick':
        this.network().tick(args[0], Number(args[1] ?? 1));
        return [];
      case 'tick-election':
        this.network().tick(args[0], this.electionTicks);
        return [];
      case 'tick-heartbeat':
        this.network().tick(args[0], this.heartbeatTicks);
        return [];
      case 'process-ready':
        return this.processReady(args[0]);
      case 'deliver-msgs':
        return this.deliver();
      case 'stabilize':
        return this.stabilize();
      case 'partition':
        this.network().heal();
        this.network().partition(...args);
        return [];
      case 'isolate':
        this.network().isolate(args[0]);
        return [];
      case 'heal':
        this.network().heal();
        return [];
      case 'status':
        return (args.length ? args : this.network().ids).flatMap((id) => describeStatus(this.network().core(id).status()));
      case 'raft-log':
        return this.raftLog(args[0]);
      default:
        throw new Error(`unknown command: ${cmd}`);
    }
  }

  private network(): RaftNetwork {
    if (this.net === null) throw new Error('add-nodes first');
    return this.net;
  }

  private addNodes(n: number, kv: Record<string, string>): string[] {
    this.electionTicks = Number(kv.election ?? 10);
    this.heartbeatTicks = Number(kv.heartbeat ?? 1);
    const config = { preVote: kv.prevote !== 'false', checkQuorum: kv.checkquorum !== 'false' };
    const ids = Array.from({ length: n }, (_, i) => String(i + 1));
    this.net = new RaftNetwork(ids, {
      electionTicks: this.electionTicks,
      heartbeatTicks: this.heartbeatTicks,
      seed: Number(kv.seed ?? 1),
      perNode: Object.fromEntries(ids.map((id) => [id, { config }])),
    });
    return [`${n} nodes`];
  }

  private processReady(id: string): string[] {
    const net = this.network();
    const rd = net.takeReady(id);
    if (rd === null) return [];
    net.persistReady(id);
    return [`> ${id} ready`, ...describeReady(rd).map((l) => `  ${l}`)];
  }

  private deliver(): string[] {
    const net = this.network();
    if (net.queue.length === 0) return [];
    const lines = ['> deliver', ...net.queue.map((m) => `  ${describeMessage(m)}`)];
    net.deliverAll();
    return lines;
  }

  private stabilize(): string[] {
    const net = this.network();
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      const before = out.length;
      for (const id of net.ids) out.push(...this.processReady(id));
      out.push(...this.deliver());
      if (out.length === before) return out;
    }
    throw new Error('did not stabilize');
  }

  private raftLog(id: string): string[] {
    const node = this.network().node(id);
    const st = node.core.status();
    const ents = node.storage.entries(node.storage.firstIndex(), node.storage.lastIndex() + 1);
    if (typeof ents === 'string') return [ents];
    return [`${id}: ${describeEntries(ents)} (last=${st.lastIndex})`];
  }
}

interface Block {
  readonly pre: string[]; // comments and blank lines before the command
  readonly command: string;
  readonly expected: string[];
}

/** Parses `command\n----\noutput...\n\n` blocks; '#' lines and blank lines are kept as prose. */
export function parseScript(text: string): { blocks: Block[]; trailer: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let pre: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '' || line.startsWith('#')) {
      pre.push(line);
      i++;
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 2}: expected ---- after "${line}"`);
    i += 2;
    const expected: string[] = [];
    while (i < lines.length && lines[i] !== '') expected.push(lines[i++]);
    blocks.push({ pre, command: line, expected });
    pre = [];
  }
  return { blocks, trailer: pre };
}

/** Runs a script; returns the text with actual outputs (equal to the input when all pass). */
export function runScript(text: string): string {
  const { blocks, trailer } = parseScript(text);
  const env = new InteractionEnv();
  const out: string[] = [];
  for (const b of blocks) {
    out.push(...b.pre, b.command, '----');
    const actual = env.run(b.command);
    out.push(...(actual.length ? actual : ['ok']));
  }
  out.push(...trailer);
  return out.join('\n');
}
