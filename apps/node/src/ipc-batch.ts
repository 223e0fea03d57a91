/**
 * IPC between a node's primary and its workers, batched: every message sent during one turn of
 * the event loop leaves as one array (one serialization, one write), in order. Under load a
 * worker otherwise pays a pipe write per request for its proposal and another for the answer.
 */
export function batchingSender<T>(post: (batch: T[]) => void): (message: T) => void {
  let queue: T[] | null = null;
  return (message) => {
    if (queue) {
      queue.push(message);
      return;
    }
    queue = [message];
    setImmediate(() => {
      const batch = queue!;
      queue = null;
      post(batch);
    });
  };
}

/** Delivers a received IPC message, or each message of a batch, in order. */
export function unbatch<T>(received: T | T[], deliver: (message: T) => void): void {
  if (Array.isArray(received)) for (const m of received) deliver(m);
  else deliver(received);
}
