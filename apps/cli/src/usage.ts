export const MAIN_USAGE = `Usage: trent <command> [options]

Trent runs a local AWS KMS endpoint: every simulated Region is its own cluster of
node processes, all behind one gateway (default http://127.0.0.1:4566).

Commands:
  up               start the cluster (in the foreground unless --detach)
  status           show every Region's leader and every node: role, term, indexes, keys
  down             stop the cluster started from a data directory
  clock advance    move cluster time forward, e.g. \`trent clock advance 31d\`

  kill NODE        SIGKILL one node, e.g. \`trent kill us-east-1/2\`
  stop NODE        stop one node gracefully (SIGTERM)
  start NODE       start a node that was killed or stopped, as it ran before
  pause NODE       freeze one node (SIGSTOP): it holds its connections and answers nothing
  resume NODE      unfreeze a paused node (SIGCONT)
  transfer-leader REGION [--to ID]
                   move a Region's Raft leadership to another node
  node add REGION  grow a running Region by a new node, which joins its Raft group
  node remove NODE take a node out of its Region's Raft group and stop it

NODE is <region>/<id>: us-east-1/2 or us-east-1/node-2. The node commands go through
the supervisor (the \`trent up\` process), which records what happens in cluster.json.

Run \`trent <command> --help\` for its options.`;

export const UP_USAGE = `Usage: trent up [options]

Starts every node of every Region, waits until each answers and every Region has
elected a leader, then starts the gateway and prints the endpoint. Data persists across \`trent down\` / \`trent up\`.

Options:
  --regions LIST     comma-separated Regions, e.g. us-east-1,eu-west-1
                     (default: the Regions of the topology file)
  --nodes N          nodes per Region, 1 to 7 (default 1); each Region is one Raft
                     group, so odd counts are best: 3 nodes survive one failure
  --port P           gateway port (default 4566); nodes take P+1, P+2, … and
                     their Raft ports 1000 above (P+1001, …)
  --data DIR         data directory (default .trent in the working directory)
  --identities FILE  identities the nodes accept (default cluster/identities.json)
  --topology FILE    topology file (default cluster/topologies/default.json)
  --detach           run in the background; logs go to DIR/logs/supervisor.log
  -h, --help         show this help`;

export const STATUS_USAGE = `Usage: trent status [options]

For each Region: its leader, term and how many nodes are up (with a warning when a
majority is missing), then each node: URL, pid, state (up, down, paused), Raft role,
term, commit and applied index, the leader it follows, how long since it heard from
that leader, and its key count; * marks the leader. Exits 1 when nothing is running.

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


const nodeUsage = (command: string, does: string): string => `Usage: trent ${command} <region>/<id> [options]

${does}
The node is named us-east-1/2 or us-east-1/node-2. Needs the running supervisor.

Options:
  --data DIR   data directory (default .trent)
  -h, --help   show this help`;

export const NODE_USAGES = {
  kill: nodeUsage(
    'kill',
    `Kills one node at once (SIGKILL), as a crash would. The supervisor reports and records
the exit and does not restart it; \`trent start\` does.`,
  ),
  stop: nodeUsage(
    'stop',
    `Stops one node gracefully (SIGTERM; SIGKILL if it is still there after 10 s). It stays
down until \`trent start\`.`,
  ),
  start: nodeUsage(
    'start',
    `Starts a node that was killed or stopped, with the same ports, data directory and
settings, and waits until it answers /_trent/health. Refused while the node runs.`,
  ),
  pause: nodeUsage(
    'pause',
    `Freezes one node (SIGSTOP): its process stays, its sockets accept connections, and
nothing is answered, as with a hung machine. \`trent resume\` continues it.`,
  ),
  resume: nodeUsage('resume', 'Continues a paused node (SIGCONT).'),
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
