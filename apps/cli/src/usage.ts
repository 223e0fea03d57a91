export const MAIN_USAGE = `Usage: trent <command> [options]

Trent runs a local AWS KMS endpoint: every simulated Region is its own cluster of
node processes with its own nats-server, all behind one gateway (default
http://127.0.0.1:4566). By default: us-east-1, us-west-2 and eu-west-1, 3 nodes each.

Commands:
  up               start the cluster (in the foreground unless --detach)
  status           show every Region's leader, NATS and replication backlog, and every
                   node: role, term, indexes, keys, NATS link
  down             stop the cluster started from a data directory
  clock advance    move cluster time forward, e.g. \`trent clock advance 31d\`

  kill TARGET      SIGKILL one node, e.g. \`trent kill us-east-1/2\`, or a whole Region
                   with its nats-server: \`trent kill us-east-1\`
  stop TARGET      stop a node or a Region gracefully (SIGTERM)
  start TARGET     start a node or a Region that was killed or stopped, as it ran before
  pause TARGET     freeze a node or a Region (SIGSTOP): it holds its connections and answers nothing
  resume TARGET    unfreeze a paused node or Region (SIGCONT)
  transfer-leader REGION [--to ID]
                   move a Region's Raft leadership to another node
  node add REGION  grow a running Region by a new node, which joins its Raft group
  node remove NODE take a node out of its Region's Raft group and stop it
  failover MRK --to REGION --force
                   DR drill, beyond AWS: make REGION's replica of a multi-Region key its
                   primary while the primary's Region is down

TARGET is a node, <region>/<id> (us-east-1/2 or us-east-1/node-2), or a Region (us-east-1).
These commands go through the supervisor (the \`trent up\` process), which records what
happens in cluster.json.

Run \`trent <command> --help\` for its options.`;

export const UP_USAGE = `Usage: trent up [options]

Starts each Region's nats-server (joined to the others by NATS gateways), then every
node of every Region, waits until each answers, every Region has elected a leader and
every NATS server reaches the others, then starts the gateway and prints the endpoint.
Each Region gets replication keys (DIR/<region>/replication-key.json) on its first
start. Data persists across \`trent down\` / \`trent up\`. Needs nats-server
(\`apt-get install nats-server\`; \`npm start\` installs it).

Options:
  --regions LIST     comma-separated Regions, e.g. us-east-1,eu-west-1
                     (default: the Regions of the topology file)
  --nodes N          nodes per Region, 1 to 7 (default 3); each Region is one Raft
                     group, so odd counts are best: 3 nodes survive one failure
  --port P           gateway port (default 4566); nodes take P+1, P+2, … and
                     their Raft ports 1000 above (P+1001, …); the i-th Region's
                     nats-server P+2000+i (clients), P+3000+i (gateways) and
                     P+4000+i (monitoring)
  --data DIR         data directory (default .trent in the working directory)
  --identities FILE  identities the nodes accept (default cluster/identities.json)
  --topology FILE    topology file (default cluster/topologies/default.json)
  --detach           run in the background; logs go to DIR/logs/supervisor.log
  -h, --help         show this help`;

export const STATUS_USAGE = `Usage: trent status [options]

For each Region: its leader, term and how many nodes are up (with a warning when a
majority is missing), then each node: URL, pid, state (up, down, paused), Raft role,
term, commit and applied index, the leader it follows, how long since it heard from
that leader, its key count and its link to NATS (– when the node does not report
one); * marks the leader. Then the Region's nats-server (up or down, which Regions its
gateways reach) and its replication: the leader's backlog of unacknowledged messages,
per destination Region, and counts sent, received and rejected. Exits 1 when nothing
is running.

Options:
  --json       print the aggregate status as JSON
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;

export const DOWN_USAGE = `Usage: trent down [options]

Stops the supervisor, which stops its nodes (SIGTERM, then SIGKILL); nodes left
behind by a supervisor that died are stopped directly. Safe to run twice.

Options:
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;

export const CLOCK_USAGE = `Usage: trent clock advance <duration> [options]

Moves cluster time forward for whole Regions, so key deletion windows and automatic
rotation come due without waiting. Needs the nodes' dev mode (on by default for
\`trent up\`). Durations: a whole number and one unit — 31d, 12h, 90m, 3600s.

Options:
  --region R   only this Region (default: every running Region)
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;


const nodeUsage = (command: string, does: string, region: string): string => `Usage: trent ${command} <region>/<id> [options]
       trent ${command} <region> [options]

${does}
The node is named us-east-1/2 or us-east-1/node-2.

With a Region (us-east-1) instead: ${region}
Prints one line per process and the time taken. Needs the running supervisor.

Options:
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;

export const NODE_USAGES = {
  kill: nodeUsage(
    'kill',
    `Kills one node at once (SIGKILL), as a crash would. The supervisor reports and records
the exit and does not restart it; \`trent start\` does.`,
    `every node of the Region and its nats-server at once, as a
lost data centre; the gateway answers that Region's requests with a 503 that says so.`,
  ),
  stop: nodeUsage(
    'stop',
    `Stops one node gracefully (SIGTERM; SIGKILL if it is still there after 10 s). It stays
down until \`trent start\`.`,
    'the nodes first, then its nats-server.',
  ),
  start: nodeUsage(
    'start',
    `Starts a node that was killed or stopped, with the same ports, data directory and
settings, and waits until it answers /_trent/health. Refused while the node runs.`,
    `its nats-server first (if down), then each node that is down, with
the Region's current members; waits until they answer and agree on a leader.`,
  ),
  pause: nodeUsage(
    'pause',
    `Freezes one node (SIGSTOP): its process stays, its sockets accept connections, and
nothing is answered, as with a hung machine. \`trent resume\` continues it.`,
    'every node of the Region and its nats-server.',
  ),
  resume: nodeUsage('resume', 'Continues a paused node (SIGCONT).', 'its nats-server first, then its nodes.'),
} as const;

export const TRANSFER_LEADER_USAGE = `Usage: trent transfer-leader <region> [options]

Moves the Region's Raft leadership: finds the current leader and asks it to hand over,
to --to when given, else to the most up-to-date other node that is up.

Options:
  --to ID      the node to lead next: 2 or node-2
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;

export const NODE_MEMBERSHIP_USAGE = `Usage: trent node add <region> [options]
       trent node remove <region>/<id> [options]

Changes which nodes make up a running Region's Raft group. Needs the running supervisor.

  add REGION    starts a node with the next unused id on the next free ports; the
                Region's leader adds it as a learner, then makes it a voter once it has
                caught up (seconds, at most 90 s). Then the gateway sends it requests.
  remove NODE   the leader removes the node (the leader itself too: the others elect
                another), then the supervisor stops it. Its data directory stays and its
                id is never used again. A Region keeps at least one node.

NODE is us-east-1/2 or us-east-1/node-2. \`trent status\` lists the current members.

Options:
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;

export const FAILOVER_USAGE = `Usage: trent failover <mrk-key-id> --to <region> --force [options]

A disaster-recovery drill that goes BEYOND AWS KMS. It makes the replica of a
multi-Region key in --to its primary, in a higher epoch, even while the primary's
Region is down (\`trent kill us-east-1\`). When the old primary's Region comes back,
it sees the newer epoch and demotes its copy to a replica.

AWS has no forced promotion: its way is \`aws kms update-primary-region\`, which
needs the primary's Region up. Hence --force.

The request goes to the nodes of --to in turn (POST /_trent/mrk/failover on the node),
retrying for up to 10 s while they answer 409 (no leader yet).

Options:
  --to REGION  the Region whose replica becomes the primary
  --force      required: acknowledges that this is a drill beyond AWS
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;
