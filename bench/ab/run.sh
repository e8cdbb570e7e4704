#!/usr/bin/env bash
# bench/ab/run.sh — two or more `flowtab serve` processes that differ in one thing, measured in alternation, so the
# machine's swings (±20% within minutes here) fall on every variant alike. Each variant is "label|ENV=value …|node flags",
# its checkout given by ROOT=<dir> among the variables (default: this one); without node flags it starts as deployed
# (`bin/flowtab.js serve`, whose first line gives Node's), with them `node <flags> bin/flowtab.js serve`. The settings
# are the other benches' (benchServerEnv in bench/support/server.ts), then the variant's. Each answers on its own port from
# one database (DB, a name on 127.0.0.1:5432, e.g. one kept with BENCH_KEEP_DATABASE=1); wrk (Debian's `wrk`) fires 20
# connections at each in turn for 5 s, REPS times; the medians per variant come last.
#
#   DB=flowtab_bench_search_… bench/ab/run.sh 'http://127.0.0.1:PORT/v1/flows' 6 'pool 4|DATABASE_POOL_SIZE=4|' 'pool 20|DATABASE_POOL_SIZE=20|'
#
# Env: DB (required), TOKEN (a bearer token, for authenticated routes), CONNECTIONS (20), BENCH_SECONDS (5).
set -euo pipefail
url=$1; reps=$2; shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
auth=(); [ -n "${TOKEN:-}" ] && auth=(-H "authorization: Bearer $TOKEN")
mapfile -t server_env < <(npx tsx --eval "import('$here/bench/support/server.ts').then(({ benchServerEnv }) => {
  for (const [name, value] of Object.entries(benchServerEnv('postgres://postgres@127.0.0.1:5432/$DB'))) console.log(name + '=' + value);
})")
pids=(); port=4100
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for variant in "$@"; do
  IFS='|' read -r label vars flags <<< "$variant"
  root=$here; for v in $vars; do [[ $v == ROOT=* ]] && root=${v#ROOT=}; done
  # shellcheck disable=SC2086 # the variables and flags are words on purpose
  (cd "$root" && exec env FLOWTAB_ENV=test "${server_env[@]}" PORT=$port $vars \
    ${flags:+node $flags} bin/flowtab.js serve > "/tmp/flowtab-ab-$port.log" 2>&1) &
  pids+=($!); port=$((port + 1))
done
for ((p = 4100; p < port; p++)); do until curl -sf "http://127.0.0.1:$p/readyz" > /dev/null; do sleep 0.5; done; done
for ((p = 4100; p < port; p++)); do wrk -t1 -c"${CONNECTIONS:-20}" -d3s "${auth[@]}" "${url/PORT/$p}" > /dev/null; done
results=$(for ((r = 0; r < reps; r++)); do
  p=4100
  for variant in "$@"; do
    label=${variant%%|*}
    line=$(wrk -t1 -c"${CONNECTIONS:-20}" -d"${BENCH_SECONDS:-5}s" --latency "${auth[@]}" "${url/PORT/$p}" | awk '$1 == "50%" || $1 == "99%" { printf "%s %s ", $1, $2 } /^Requests\/sec/ { printf "req/s %s", $2 }')
    echo "$label|$line"; echo "$label: $line" >&2
    p=$((p + 1))
  done
done)
echo "medians:"
node -e '
const rows = require("node:fs").readFileSync(0, "utf8").trim().split("\n").map((line) => line.split("|"));
const ms = (v) => (v.endsWith("us") ? parseFloat(v) / 1000 : v.endsWith("ms") ? parseFloat(v) : parseFloat(v) * 1000);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const by = new Map();
for (const [label, text] of rows) { const f = text.trim().split(/\s+/); (by.get(label) ?? by.set(label, []).get(label)).push({ p50: ms(f[1]), p99: ms(f[3]), rps: parseFloat(f[5]) }); }
for (const [label, runs] of by) console.log(`${label.padEnd(24)} ${String(runs.length).padStart(2)} runs   ${median(runs.map((r) => r.rps)).toFixed(0).padStart(6)} req/s   p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms   p99 ${median(runs.map((r) => r.p99)).toFixed(1)} ms`);
' <<< "$results"
