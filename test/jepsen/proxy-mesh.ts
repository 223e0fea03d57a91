import { CutMode, FaultProxy } from './fault-proxy';
import { Link, NodeId, Partition } from './nemesis';

/**
 * A FaultProxy for every directed pair of nodes. Node A is configured to reach peer B at
 * `portFor(A, B)` instead of B's own peer port, so cutting that proxy cuts exactly the link A→B.
 */
export class ProxyMesh {
  private constructor(private readonly proxies: Map<string, FaultProxy>) {}

  /** `peerPorts`: each node's own (unproxied) peer port. */
  static async start(peerPorts: ReadonlyMap<NodeId, number>): Promise<ProxyMesh> {
    const proxies = new Map<string, FaultProxy>();
    try {
      for (const from of peerPorts.keys()) {
        for (const [to, targetPort] of peerPorts) {
          if (from === to) continue;
          proxies.set(linkKey([from, to]), await FaultProxy.start({ targetPort, name: `${from}→${to}` }));
        }
      }
    } catch (e) {
      await Promise.all([...proxies.values()].map((p) => p.close()));
      throw e;
    }
    return new ProxyMesh(proxies);
  }

  proxy(from: NodeId, to: NodeId): FaultProxy {
    const p = this.proxies.get(linkKey([from, to]));
    if (!p) throw new Error(`no proxy for ${from}→${to}`);
    return p;
  }

  /** The port `from` must dial to reach `to`. */
  portFor(from: NodeId, to: NodeId): number {
    return this.proxy(from, to).port;
  }

  /** Cuts exactly the partition's links and heals every other one. */
  apply(partition: Partition, mode: CutMode = 'reset'): void {
    const cut = new Set(partition.cut.map(linkKey));
    for (const [key, proxy] of this.proxies) {
      if (cut.has(key)) {
        if (proxy.condition !== `cut-${mode}`) proxy.cut(mode);
      } else if (proxy.condition !== 'healed') {
        proxy.heal();
      }
    }
  }

  healAll(): void {
    for (const p of this.proxies.values()) p.heal();
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
  }
}

function linkKey([from, to]: Link): string {
  return `${from}\u0000${to}`;
}
