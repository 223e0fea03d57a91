#!/usr/bin/env node
'use strict';
/**
 * FAKE Trent node — for the launcher's tests only, never shipped or started by `trent up`.
 *
 * It honours the node-process contract (environment, /_trent/health, /_trent/status with its
 * `raft` view, /_trent/raft/transfer-leader, /_trent/clock/advance in dev mode, JSON log lines on
 * stdout) without any KMS behind it: a POST / is answered with which node received it and a
 * digest of the body.
 *
 * Leadership is faked, not Raft: the Region's nodes share `<region dir>/fake-raft.json`
 * ({leader, term}) and each answers a ping on its TRENT_RAFT_PORT. When the recorded leader stops
 * answering (killed or paused), the lowest-numbered node that answers takes over in the next
 * term, provided a majority of TRENT_RAFT_PEERS answers.
 *
 * Knobs for failure scenarios:
 *   FAKE_NODE_STARTUP_DELAY_MS  wait this long before listening
 *   FAKE_NODE_NEVER_HEALTHY=1   /_trent/health answers 503 forever
 *   FAKE_NODE_EXIT_CODE=n       log one line and exit with n straight away
 *   FAKE_NODE_IGNORE_SIGTERM=1  shrug off SIGTERM (the launcher must escalate to SIGKILL)
 *   FAKE_NODE_NO_LEADER=1       never elect anyone
 *   FAKE_NODE_TRANSFER_TIMEOUT=1  transfer-leader answers 504
 */
const http = require('node:http');
const fs = require('node:fs');
const crypto = require('node:crypto');
const path = require('node:path');

const env = process.env;
const region = env.TRENT_REGION;
const nodeId = env.TRENT_NODE_ID;
const devMode = env.TRENT_DEV_MODE === '1';
let clockOffsetMs = 0;

function log(level, msg, extra) {
  process.stdout.write(
    JSON.stringify({ level, time: Date.now(), pid: process.pid, region, nodeId, fake: true, msg, ...extra }) + '\n',
  );
}

const required = ['TRENT_REGION', 'TRENT_NODE_ID', 'TRENT_HOST', 'TRENT_PORT', 'TRENT_DATA_DIR', 'TRENT_DOMAIN_KEY_FILE', 'TRENT_IDENTITIES_FILE'];
const missing = required.filter((name) => !env[name]);
if (missing.length > 0) {
  log(50, `missing environment: ${missing.join(', ')}`);
  process.exit(78);
}

if (env.FAKE_NODE_EXIT_CODE) {
  log(50, 'fake node told to fail at start');
  process.exit(Number(env.FAKE_NODE_EXIT_CODE));
}

if (!fs.existsSync(env.TRENT_DOMAIN_KEY_FILE)) {
  fs.mkdirSync(path.dirname(env.TRENT_DOMAIN_KEY_FILE), { recursive: true });
  try {
    fs.writeFileSync(env.TRENT_DOMAIN_KEY_FILE, crypto.randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err; // Another node of the Region created it first: share it.
  }
}
fs.writeFileSync(path.join(env.TRENT_DATA_DIR, 'fake-node.marker'), `${process.pid}\n`);

const clusterTime = () => new Date(Date.now() + clockOffsetMs).toISOString();

// --- Fake leadership --------------------------------------------------------------------------
const peers = parsePeers(env.TRENT_RAFT_PEERS);
const raftPort = Number(env.TRENT_RAFT_PORT || Number(env.TRENT_PORT) + 1000);
const raftFile = path.join(path.dirname(env.TRENT_DOMAIN_KEY_FILE), 'fake-raft.json');
let leaderSeenAt = null; // when the leader last answered a ping
let leaderAnswers = false;

function parsePeers(text) {
  if (!text) return { [nodeId]: { host: env.TRENT_HOST, port: Number(env.TRENT_RAFT_PORT || Number(env.TRENT_PORT) + 1000) } };
  const result = {};
  for (const part of text.split(',')) {
    const [id, address] = part.trim().split('=');
    const [host, port] = address.split(':');
    result[id] = { host, port: Number(port) };
  }
  return result;
}

function readRaft() {
  try {
    return JSON.parse(fs.readFileSync(raftFile, 'utf8'));
  } catch {
    return { leader: null, term: 0 };
  }
}

function writeRaft(state) {
  const temporary = `${raftFile}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state));
  fs.renameSync(temporary, raftFile);
}

function ping(id) {
  if (id === nodeId) return Promise.resolve(true);
  const peer = peers[id];
  return new Promise((resolve) => {
    const req = http.get({ host: peer.host, port: peer.port, path: '/', agent: false, timeout: 300 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function raftTick() {
  if (env.FAKE_NODE_NO_LEADER === '1') return;
  const state = readRaft();
  if (state.leader === nodeId) return;
  if (state.leader && peers[state.leader] && (await ping(state.leader))) {
    leaderAnswers = true;
    leaderSeenAt = Date.now();
    return;
  }
  leaderAnswers = false;
  const ids = Object.keys(peers).sort((a, b) => Number(a) - Number(b));
  const alive = [];
  for (const id of ids) if (await ping(id)) alive.push(id);
  const majority = Math.floor(ids.length / 2) + 1;
  const latest = readRaft();
  if (alive.length >= majority && alive[0] === nodeId && latest.term === state.term) {
    writeRaft({ leader: nodeId, term: state.term + 1 });
    log(30, `fake node leads in term ${state.term + 1}`);
  }
}

function raftView() {
  const state = readRaft();
  const isLeader = state.leader === nodeId;
  const leader = isLeader || leaderAnswers ? state.leader : null;
  return {
    role: isLeader ? 'leader' : leader ? 'follower' : env.FAKE_NODE_NO_LEADER === '1' ? 'follower' : 'candidate',
    term: state.term,
    leader,
    commit: 7,
    applied: 7,
    lastIndex: 7 + Number(nodeId),
    lastContactMs: isLeader ? 0 : leaderSeenAt === null ? null : Date.now() - leaderSeenAt,
    voters: Object.keys(peers),
  };
}

async function transferLeader(body, res) {
  let to;
  try {
    to = JSON.parse(body.toString('utf8')).to;
  } catch {
    return sendJson(res, 400, { message: 'body must be {"to": "<node id>"}' });
  }
  if (typeof to !== 'string' || !peers[to]) return sendJson(res, 400, { message: `${to} is not a voter of ${region}` });
  const state = readRaft();
  if (state.leader !== nodeId) {
    return sendJson(res, 409, { message: `node ${nodeId} is not the leader${state.leader ? `; node ${state.leader} is` : ''}` });
  }
  if (to === nodeId) return sendJson(res, 400, { message: `node ${to} is already the leader` });
  if (env.FAKE_NODE_TRANSFER_TIMEOUT === '1' || !(await ping(to))) {
    return sendJson(res, 504, { message: `leadership did not move to node ${to} in time` });
  }
  writeRaft({ leader: to, term: state.term + 1 });
  return sendJson(res, 200, { leader: to });
}

const raftServer = http.createServer((req, res) => {
  req.resume();
  sendJson(res, 200, { nodeId });
});

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  const body = await readBody(req);
  const url = req.url || '/';
  if (req.method === 'GET' && url === '/_trent/health') {
    if (env.FAKE_NODE_NEVER_HEALTHY === '1') return sendJson(res, 503, { status: 'starting', region, nodeId });
    return sendJson(res, 200, { status: 'ok', region, nodeId });
  }
  if (req.method === 'GET' && url === '/_trent/status') {
    const raft = raftView();
    return sendJson(res, 200, {
      region,
      nodeId,
      role: raft.role,
      term: raft.term,
      leader: raft.leader,
      raft,
      commitIndex: 7,
      appliedIndex: 7,
      keys: 2,
      clusterTime: clusterTime(),
      clockOffsetMs,
      pid: process.pid,
    });
  }
  if (req.method === 'POST' && url === '/_trent/raft/transfer-leader') return transferLeader(body, res);
  if (req.method === 'POST' && url === '/_trent/clock/advance') {
    if (!devMode) return sendJson(res, 404, { message: 'Not Found' });
    const { seconds } = JSON.parse(body.toString('utf8') || '{}');
    clockOffsetMs += seconds * 1000;
    return sendJson(res, 200, { clusterTime: clusterTime(), clockOffsetMs });
  }
  if (req.method === 'POST' && url === '/') {
    if (!req.headers.authorization) {
      return sendJson(
        res,
        400,
        { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
        { 'x-amzn-errortype': 'MissingAuthenticationTokenException' },
      );
    }
    return sendJson(res, 200, {
      fake: true,
      region,
      nodeId,
      target: req.headers['x-amz-target'] || null,
      bytes: body.length,
      sha256: crypto.createHash('sha256').update(body).digest('hex'),
    });
  }
  sendJson(res, 404, { message: 'Not Found' });
});

function shutdown(signal) {
  if (env.FAKE_NODE_IGNORE_SIGTERM === '1' && signal === 'SIGTERM') {
    log(40, 'fake node ignores SIGTERM');
    return;
  }
  log(30, `stopping on ${signal}`);
  raftServer.close();
  raftServer.closeAllConnections();
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

setTimeout(() => {
  raftServer.listen(raftPort, env.TRENT_HOST, () => {
    server.listen(Number(env.TRENT_PORT), env.TRENT_HOST, () => {
      log(30, `fake node listening on ${env.TRENT_HOST}:${env.TRENT_PORT} (raft ${raftPort})`, { devMode });
    });
    let ticking = false;
    setInterval(() => {
      if (ticking) return;
      ticking = true;
      raftTick().finally(() => (ticking = false));
    }, 100);
  });
}, Number(env.FAKE_NODE_STARTUP_DELAY_MS || 0));
