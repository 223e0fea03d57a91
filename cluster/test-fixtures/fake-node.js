#!/usr/bin/env node
'use strict';
/**
 * FAKE Trent node — for the launcher's tests only, never shipped or started by `trent up`.
 *
 * It honours the node-process contract (environment, /_trent/health, /_trent/status with its
 * `raft` view, /_trent/raft/transfer-leader, /_trent/raft/members, /_trent/clock/advance in dev
 * mode, JSON log lines on stdout) without any KMS behind it: a POST / is answered with which node
 * received it and a digest of the body.
 *
 * Leadership is faked, not Raft: the Region's nodes share `<region dir>/fake-raft.json`
 * ({leader, term, voters?, learners?, addresses?}) and each answers a ping on its TRENT_RAFT_PORT.
 * When the recorded leader stops answering (killed or paused), the lowest-numbered voter that
 * answers takes over in the next term, provided a majority of the voters answers.
 *
 * Membership is faked the same way: the voters are TRENT_RAFT_PEERS until the leader changes them
 * in the file. A node started with TRENT_RAFT_JOIN=1 is not among them: it never campaigns and
 * knows no leader until the leader adds it (POST /_trent/raft/members), which the fake does once
 * the new node's Raft port answers a ping (there is no log to catch up on). A removed node
 * (DELETE /_trent/raft/members/:id) likewise stops taking part; a leader that removes itself
 * leaves the leadership open for the rest.
 *
 * Knobs for failure scenarios:
 *   FAKE_NODE_STARTUP_DELAY_MS  wait this long before listening
 *   FAKE_NODE_NEVER_HEALTHY=1   /_trent/health answers 503 forever
 *   FAKE_NODE_EXIT_CODE=n       log one line and exit with n straight away
 *   FAKE_NODE_IGNORE_SIGTERM=1  shrug off SIGTERM (the launcher must escalate to SIGKILL)
 *   FAKE_NODE_NO_LEADER=1       never elect anyone
 *   FAKE_NODE_TRANSFER_TIMEOUT=1  transfer-leader answers 504
 *   FAKE_NODE_ADD_TIMEOUT=1     adding a member answers 504 (it "did not catch up") and leaves it a learner
 *   FAKE_NODE_REPLICATION=1     /_trent/status carries a `replication` view: `nats` is whether a TCP
 *                               connection to TRENT_NATS_URL succeeds right now; the leader is the
 *                               sender, with FAKE_NODE_BACKLOG (JSON {"region": n}) as its backlog
 *
 * Multi-Region keys are faked too: POST /_trent/mrk/failover {"keyId"} answers 409 on a follower
 * (as a write away from the leader may), and on the leader promotes this Region in the next epoch
 * of `<region dir>/fake-mrk.json`. Key ids of all zeros are unknown (404 NotFoundException); all
 * f's are already primary here (400 UnsupportedOperationException).
 */
const http = require('node:http');
const net = require('node:net');
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
const joining = env.TRENT_RAFT_JOIN === '1';
const NODE_ID = /^[1-9][0-9]{0,2}$/;
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

const byNumber = (a, b) => Number(a) - Number(b);

/** The Region's voters: the file's once a membership change wrote them, else TRENT_RAFT_PEERS (a joining node excepted). */
function votersOf(state) {
  return state.voters ?? Object.keys(peers).filter((id) => !(joining && id === nodeId)).sort(byNumber);
}

function addressOf(state, id) {
  const added = state.addresses?.[id];
  if (!added) return peers[id];
  const [host, port] = added.split(':');
  return { host, port: Number(port) };
}

function ping(id, state) {
  if (id === nodeId) return Promise.resolve(true);
  const peer = addressOf(state, id);
  if (!peer) return Promise.resolve(false);
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
  const ids = votersOf(state);
  if (!ids.includes(nodeId)) {
    // A learner waiting to be added, or a removed node: it takes no part.
    leaderAnswers = false;
    return;
  }
  if (state.leader === nodeId) return;
  if (state.leader && ids.includes(state.leader) && (await ping(state.leader, state))) {
    leaderAnswers = true;
    leaderSeenAt = Date.now();
    return;
  }
  leaderAnswers = false;
  const alive = [];
  for (const id of ids) if (await ping(id, state)) alive.push(id);
  const majority = Math.floor(ids.length / 2) + 1;
  const latest = readRaft();
  if (alive.length >= majority && alive[0] === nodeId && latest.term === state.term) {
    writeRaft({ ...latest, leader: nodeId, term: state.term + 1 });
    log(30, `fake node leads in term ${state.term + 1}`);
  }
}

function raftView() {
  const state = readRaft();
  const voters = votersOf(state);
  const member = voters.includes(nodeId);
  const isLeader = member && state.leader === nodeId;
  const leader = isLeader || (member && leaderAnswers) ? state.leader : null;
  return {
    role: isLeader ? 'leader' : leader || !member ? 'follower' : env.FAKE_NODE_NO_LEADER === '1' ? 'follower' : 'candidate',
    term: state.term,
    leader,
    commit: 7,
    applied: 7,
    lastIndex: 7 + Number(nodeId),
    lastContactMs: isLeader ? 0 : leaderSeenAt === null ? null : Date.now() - leaderSeenAt,
    voters,
    learners: state.learners ?? [],
  };
}

/** The leader's refusal, as the real node words it. */
function notLeader(res, state) {
  const who = state.leader ? `node ${state.leader} is` : 'no leader is known right now';
  return sendJson(res, 409, { message: `node ${nodeId} is not the leader; ${who}`, leader: state.leader });
}

/** POST /_trent/raft/members {"node","address"}: on the leader, makes the node a voter once its Raft port answers. */
async function addMember(body, res) {
  let request;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    request = {};
  }
  const { node, address } = request ?? {};
  if (typeof node !== 'string' || !NODE_ID.test(node) || typeof address !== 'string' || !/^[^:\s]+:\d{1,5}$/.test(address)) {
    return sendJson(res, 400, { message: 'body must be {"node": "<id>", "address": "<host>:<raft port>"}' });
  }
  const state = readRaft();
  if (state.leader !== nodeId) return notLeader(res, state);
  const voters = votersOf(state);
  if (voters.includes(node)) return sendJson(res, 200, { voters, learners: state.learners ?? [], message: `node ${node} is already a voter` });
  const addresses = { ...state.addresses, [node]: address };
  const learners = (state.learners ?? []).filter((id) => id !== node);
  if (env.FAKE_NODE_ADD_TIMEOUT === '1' || !(await ping(node, { addresses }))) {
    writeRaft({ ...readRaft(), learners: [...learners, node].sort(byNumber), addresses });
    return sendJson(res, 504, { message: `node ${node} (${address}) did not catch up within 60 s; it stays a learner`, voters, learners: [...learners, node] });
  }
  const next = { ...readRaft(), voters: [...voters, node].sort(byNumber), learners, addresses };
  writeRaft(next);
  log(30, `fake leader added node ${node} (${address})`);
  return sendJson(res, 200, { voters: next.voters, learners });
}

/** DELETE /_trent/raft/members/:id on the leader; a leader removing itself gives up the leadership. */
function removeMember(id, res) {
  if (!NODE_ID.test(id)) return sendJson(res, 400, { message: `'${id}' is not a node id` });
  const state = readRaft();
  if (state.leader !== nodeId) return notLeader(res, state);
  const voters = votersOf(state);
  const learners = state.learners ?? [];
  if (!voters.includes(id) && !learners.includes(id)) return sendJson(res, 404, { message: `node ${id} is not a member of this Region` });
  const next = { ...state, voters: voters.filter((x) => x !== id), learners: learners.filter((x) => x !== id) };
  if (id === nodeId) next.leader = null;
  writeRaft(next);
  log(30, `fake leader removed node ${id}`);
  return sendJson(res, 200, { voters: next.voters, learners: next.learners });
}

async function transferLeader(body, res) {
  let to;
  try {
    to = JSON.parse(body.toString('utf8')).to;
  } catch {
    return sendJson(res, 400, { message: 'body must be {"to": "<node id>"}' });
  }
  const state = readRaft();
  if (typeof to !== 'string' || !votersOf(state).includes(to)) return sendJson(res, 400, { message: `${to} is not a voter of ${region}` });
  if (state.leader !== nodeId) {
    return sendJson(res, 409, { message: `node ${nodeId} is not the leader${state.leader ? `; node ${state.leader} is` : ''}` });
  }
  if (to === nodeId) return sendJson(res, 400, { message: `node ${to} is already the leader` });
  if (env.FAKE_NODE_TRANSFER_TIMEOUT === '1' || !(await ping(to, state))) {
    return sendJson(res, 504, { message: `leadership did not move to node ${to} in time` });
  }
  writeRaft({ ...readRaft(), leader: to, term: state.term + 1 });
  return sendJson(res, 200, { leader: to });
}

const raftServer = http.createServer((req, res) => {
  req.resume();
  sendJson(res, 200, { nodeId });
});

// --- Fake replication ------------------------------------------------------------------------
let natsState = 'disconnected';

function probeNats() {
  const url = env.TRENT_NATS_URL ? new URL(env.TRENT_NATS_URL) : undefined;
  if (!url) return;
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.setTimeout(300, () => socket.destroy());
  socket.once('connect', () => {
    natsState = 'connected';
    socket.destroy();
  });
  socket.once('error', () => (natsState = natsState === 'connected' ? 'reconnecting' : 'disconnected'));
}

function replicationView(isLeader) {
  if (env.FAKE_NODE_REPLICATION !== '1') return undefined;
  const backlogByRegion = isLeader && env.FAKE_NODE_BACKLOG ? JSON.parse(env.FAKE_NODE_BACKLOG) : {};
  const backlog = Object.values(backlogByRegion).reduce((a, b) => a + b, 0);
  return {
    enabled: true,
    nats: natsState,
    server: env.TRENT_NATS_URL || '',
    sending: isLeader,
    backlog,
    backlogByRegion,
    inFlight: 0,
    sent: isLeader ? 5 : 0,
    received: 2,
    rejected: 0,
  };
}

const MRK_ID = /^mrk-[0-9a-f]{32}$/;

async function failover(body, res) {
  let keyId;
  try {
    keyId = JSON.parse(body.toString('utf8')).keyId;
  } catch {
    keyId = undefined;
  }
  if (typeof keyId !== 'string' || !MRK_ID.test(keyId)) {
    return sendJson(res, 400, { code: 'ValidationException', message: 'body must be {"keyId": "mrk-<32 hex digits>"}' });
  }
  const state = readRaft();
  if (state.leader !== nodeId) return sendJson(res, 409, { code: 'KMSInternalException', message: `node ${nodeId} is not the leader` });
  if (/^mrk-0+$/.test(keyId)) return sendJson(res, 404, { code: 'NotFoundException', message: `Key '${keyId}' does not exist in ${region}` });
  if (/^mrk-f+$/.test(keyId)) return sendJson(res, 400, { code: 'UnsupportedOperationException', message: `${keyId} is already primary in ${region}` });
  const file = path.join(path.dirname(env.TRENT_DOMAIN_KEY_FILE), 'fake-mrk.json');
  let epoch = 1;
  try {
    epoch = JSON.parse(fs.readFileSync(file, 'utf8'))[keyId] ?? 1;
  } catch {
    // First failover of any key here.
  }
  fs.writeFileSync(file, JSON.stringify({ [keyId]: epoch + 1 }));
  return sendJson(res, 200, { keyId, region, primaryRegion: region, epoch: epoch + 1, previousPrimaryRegion: env.FAKE_NODE_OLD_PRIMARY || 'us-east-1' });
}

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
    const replication = replicationView(raft.role === 'leader');
    return sendJson(res, 200, {
      ...(replication ? { replication } : {}),
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
      // Not in the real node's answer: how the launcher started this one, for the tests.
      fake: {
        raftPeers: env.TRENT_RAFT_PEERS,
        join: joining,
        natsUrl: env.TRENT_NATS_URL,
        replicationKeyFile: env.TRENT_REPLICATION_KEY_FILE,
        replicationTrustFile: env.TRENT_REPLICATION_TRUST_FILE,
      },
    });
  }
  if (req.method === 'POST' && url === '/_trent/raft/transfer-leader') return transferLeader(body, res);
  if (req.method === 'POST' && url === '/_trent/mrk/failover') return failover(body, res);
  if (req.method === 'POST' && url === '/_trent/raft/members') return addMember(body, res);
  const member = /^\/_trent\/raft\/members\/([^/]+)$/.exec(url);
  if (req.method === 'DELETE' && member) return removeMember(member[1], res);
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
    if (env.FAKE_NODE_REPLICATION === '1') {
      probeNats();
      setInterval(probeNats, 200);
    }
    let ticking = false;
    setInterval(() => {
      if (ticking) return;
      ticking = true;
      raftTick().finally(() => (ticking = false));
    }, 100);
  });
}, Number(env.FAKE_NODE_STARTUP_DELAY_MS || 0));
