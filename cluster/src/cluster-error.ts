/**
 * An expected failure of the cluster tooling (bad topology, port in use, a node that never
 * became healthy, …). Its message is written for the person at the terminal: the CLI prints
 * it as one line, without a stack trace.
 */
export class ClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}
