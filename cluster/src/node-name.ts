/** A node as people name it on the command line and in supervisor requests. */
export interface NodeName {
  readonly region: string;
  readonly nodeId: string;
}

const NODE_NAME = /^([a-z0-9-]+)\/(?:node-)?([1-9]\d*)$/;

/** `us-east-1/2` or `us-east-1/node-2` → { region: 'us-east-1', nodeId: '2' }; undefined otherwise. */
export function parseNodeName(text: string): NodeName | undefined {
  const match = NODE_NAME.exec(text.trim());
  return match ? { region: match[1], nodeId: match[2] } : undefined;
}

/** `node-2` or `2` → '2'; undefined otherwise. */
export function parseNodeId(text: string): string | undefined {
  const match = /^(?:node-)?([1-9]\d*)$/.exec(text.trim());
  return match?.[1];
}

/** The canonical spelling: `us-east-1/2`. */
export const formatNodeName = (name: NodeName): string => `${name.region}/${name.nodeId}`;
