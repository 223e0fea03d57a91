#!/usr/bin/env node
'use strict';
/**
 * FAKE Trent node — for the launcher's tests only, never shipped or started by `trent up`.
 *
 * It honours the node-process contract (environment, /_trent/health, /_trent/status,
 * /_trent/clock/advance in dev mode, JSON log lines on stdout) without any KMS behind it:
 * a POST / is answered with which node received it and a digest of the body.
 *
 * Knobs for failure scenarios:
 *   FAKE_NODE_STARTUP_DELAY_MS  wait this long before listening
 *   FAKE_NODE_NEVER_HEALTHY=1   /_trent/health answers 503 forever
 *   FAKE_NODE_EXIT_CODE=n       log one line and exit with n straight away
 *   FAKE_NODE_IGNORE_SIGTERM=1  shrug off SIGTERM (the launcher must escalate to SIGKILL)
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
  fs.writeFileSync(env.TRENT_DOMAIN_KEY_FILE, crypto.randomBytes(32), { mode: 0o600, flag: 'wx' });
}
fs.writeFileSync(path.join(env.TRENT_DATA_DIR, 'fake-node.marker'), `${process.pid}\n`);

const clusterTime = () => new Date(Date.now() + clockOffsetMs).toISOString();

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
    return sendJson(res, 200, {
      region,
      nodeId,
      role: 'leader',
      term: 1,
      leader: nodeId,
      commitIndex: 7,
      appliedIndex: 7,
      keys: 2,
      clusterTime: clusterTime(),
      clockOffsetMs,
      pid: process.pid,
    });
  }
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
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

setTimeout(() => {
  server.listen(Number(env.TRENT_PORT), env.TRENT_HOST, () => {
    log(30, `fake node listening on ${env.TRENT_HOST}:${env.TRENT_PORT}`, { devMode });
  });
}, Number(env.FAKE_NODE_STARTUP_DELAY_MS || 0));
