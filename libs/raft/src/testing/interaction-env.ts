import { sameConf } from '../conf-change';
import type { ConfChange, Message } from '../types';
import { describeConf, describeEntries, describeMessage, describeReady, describeSnapshot, describeStatus } from './describe';
import { RaftNetwork } from './raft-network';

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Interpreter for scripted interaction tests (libs/raft/testdata/*.txt). Each command returns
 * its output lines; the script file holds the expected output under `----`.
 *
 *   add-nodes N [election=10] [heartbeat=1] [prevote=true] [checkquorum=true] [seed=1] [learners=ID,...]
 *   add-node ID [voters=ID,...] [learners=ID,...]     a node joining later (default: empty conf)
 *   campaign ID | propose ID DATA | read-index ID CTX | transfer-leadership FROM TO
 *   propose-conf-change ID addVoter|addLearner|removeNode NODE
 *   compact ID [INDEX]                                 snapshot at the applied index, truncate
 *   report-snapshot ID TO ok|fail | report-unreachable ID TO
 *   tick ID N | tick-election ID | tick-heartbeat ID
 *   process-ready ID... | deliver-msgs | drop-msgs [from=ID] [to=ID] | stabilize [ID...]
 *   partition ID... | isolate ID | heal
 *   status ID | raft-log ID | applied ID               (applied: the state machine's data)
 */
export class InteractionEnv {
  private net: RaftNetwork | null = null;
  private electionTicks = 10;
  private config: { preVote: boolean; checkQuorum: boolean } = { preVote: true, checkQuorum: true };
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
      case 'add-node':
        return this.addNode(args[0], kv);
      case 'propose-conf-change':
        return [this.network().core(args[0]).proposeConfChange({ type: args[1] as ConfChange['type'], node: args[2] })];
      case 'compact':
        return this.compact(args[0], args[1] === undefined ? undefined : Number(args[1]));
      case 'report-snapshot':
        this.network().core(args[0]).reportSnapshot(args[1], args[2] === 'ok');
        return [];
      case 'report-unreachable':
        this.network().core(args[0]).reportUnreachable(args[1]);
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
        return args.flatMap((id) => this.processReady(id));
      case 'deliver-msgs':
        return this.deliver();
      case 'drop-msgs': {
        const net = this.network();
        const hit = (m: Message) => (kv.from === undefined || m.from === kv.from) && (kv.to === undefined || m.to === kv.to);
        const dropped = net.queue.filter(hit);
        net.queue = net.queue.filter((m) => !hit(m));
        return dropped.length ? ['> drop', ...dropped.map((m) => `  ${describeMessage(m)}`)] : [];
      }
      case 'stabilize':
        return this.stabilize(args);
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
      case 'applied': {
        const n = this.network().node(args[0]);
        return [`${args[0]}: applied=${n.appliedIndex} data=[${this.network().appliedData(args[0]).join(',')}]`];
      }
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
    const ids = Array.from({ length: n }, (_, i) => String(i + 1));
    const learners = list(kv.learners);
    const config = {
      preVote: kv.prevote !== 'false',
      checkQuorum: kv.checkquorum !== 'false',
      peers: ids.filter((id) => !learners.includes(id)),
      learners,
    };
    this.config = config;
    this.net = new RaftNetwork(ids, {
      electionTicks: this.electionTicks,
      heartbeatTicks: this.heartbeatTicks,
      seed: Number(kv.seed ?? 1),
      perNode: Object.fromEntries(ids.map((id) => [id, { config }])),
    });
    return [`${n} nodes`];
  }

  private addNode(id: string, kv: Record<string, string>): string[] {
    const config = { ...this.config, peers: list(kv.voters), learners: list(kv.learners) };
    this.network().join(id, { config });
    return [`${id}: ${describeConf(this.network().core(id).status().conf)}`];
  }

  private compact(id: string, index: number | undefined): string[] {
    const net = this.network();
    const snap = net.compact(id, index);
    const storage = net.node(id).storage;
    return [`${id}: snapshot ${describeSnapshot(snap)}, log [${storage.firstIndex()}, ${storage.lastIndex()}]`];
  }

  private processReady(id: string): string[] {
    const net = this.network();
    const rd = net.takeReady(id);
    if (rd === null) return [];
    const before = net.core(id).status().conf;
    net.persistReady(id);
    const after = net.core(id).status().conf;
    const lines = [`> ${id} ready`, ...describeReady(rd).map((l) => `  ${l}`)];
    if (!sameConf(before, after)) lines.push(`  conf now: ${describeConf(after)}`);
    return lines;
  }

  private deliver(only: (m: Message) => boolean = () => true): string[] {
    const net = this.network();
    const now = net.queue.filter(only);
    if (now.length === 0) return [];
    const lines = ['> deliver', ...now.map((m) => `  ${describeMessage(m)}`)];
    net.deliverAll(only);
    return lines;
  }

  /** With ids: only those nodes run, and only messages among them are delivered. */
  private stabilize(ids: string[]): string[] {
    const net = this.network();
    const nodes = ids.length > 0 ? ids : net.ids;
    const among = (m: Message) => nodes.includes(m.from) && nodes.includes(m.to);
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      const before = out.length;
      for (const id of nodes) out.push(...this.processReady(id));
      out.push(...this.deliver(among));
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

function list(v: string | undefined): string[] {
  return v === undefined || v === '' ? [] : v.split(',');
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
