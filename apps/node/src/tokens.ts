/** Injection tokens of the node app. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
/** The route to the node's primary for Raft administration: `(request) => {status, body}`. */
export const NODE_ADMIN = Symbol('NODE_ADMIN');
