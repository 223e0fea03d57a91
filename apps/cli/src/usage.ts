export const MAIN_USAGE = `Usage: trent <command> [options]

Trent runs a local AWS KMS endpoint: every simulated Region is its own cluster of
node processes, all behind one gateway (default http://127.0.0.1:4566).

Commands:
  up              start the cluster (in the foreground unless --detach)
  status          show every node: role, term, indexes, keys, up/down
  down            stop the cluster started from a data directory
  clock advance   move cluster time forward, e.g. \`trent clock advance 31d\`

Run \`trent <command> --help\` for its options.`;

export const UP_USAGE = `Usage: trent up [options]

Starts every node of every Region, waits until each answers, then starts the gateway
and prints the endpoint. Data persists across \`trent down\` / \`trent up\`.

Options:
  --regions LIST     comma-separated Regions, e.g. us-east-1,eu-west-1
                     (default: the Regions of the topology file)
  --nodes N          nodes per Region (default 1; more needs Raft, not implemented yet)
  --port P           gateway port (default 4566); nodes take P+1, P+2, …
  --data DIR         data directory (default .trent in the working directory)
  --identities FILE  identities the nodes accept (default cluster/identities.json)
  --topology FILE    topology file (default cluster/topologies/default.json)
  --detach           run in the background; logs go to DIR/logs/supervisor.log
  -h, --help         show this help`;

export const STATUS_USAGE = `Usage: trent status [options]

Shows the gateway and every node: URL, pid, Raft role and term, commit and applied
index, key count and whether it answers. Exits 1 when nothing is running.

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
