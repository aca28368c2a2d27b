#!/usr/bin/env bash
# Hostile histories (issue 8): wall time and peak RSS of `jikimi scan
# --history-only` on each repository that benches/gen_hostile_history.py builds:
#
#   fanout  one blob at 10,000,000 paths (10 entries x 7 levels, one subtree)
#   deep    a key 600 trees deep
#   wide    one key in 30,000 files (30,000 findings)
#   all     the three as three commits of one branch
#
# Targets: under 20 s and under 1 GiB peak RSS each, with the planted key
# found (and located in HEAD). Timings are measured here, not asserted in
# tests (tests/history.rs checks the results).
#
#   benches/history-hostile.sh [KIND...]     (default: fanout deep wide all)
#
# Needs python3 and /usr/bin/time (apt-get install time). Repositories go
# to bench-out/hostile-KIND (git-ignored), generated once.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-$(pwd)/bench-out}
KINDS=("$@")
[ ${#KINDS[@]} -gt 0 ] || KINDS=(fanout deep wide all)
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
mkdir -p "$OUT"
cargo build --release --quiet
JIKIMI=${JIKIMI:-$(pwd)/target/release/jikimi}

printf "%-8s %10s %14s %6s %s\n" case "wall (s)" "peak RSS" exit "secrets, first one: path, history"
for kind in "${KINDS[@]}"; do
  repo="$OUT/hostile-$kind"
  [ -d "$repo" ] || python3 benches/gen_hostile_history.py "$repo" "$kind" >/dev/null
  log="$OUT/hostile-$kind.time"
  report="$OUT/hostile-$kind.json"
  set +e
  /usr/bin/time -v -o "$log" "$JIKIMI" scan "$repo" --history-only --quiet --format json -o "$report"
  code=$?
  set -e
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  secs=$(python3 -c 'import sys
p = sys.argv[1].split(":")
print(f"{sum(float(x) * 60 ** i for i, x in enumerate(reversed(p))):.2f}")' "$wall")
  summary=$(python3 - "$report" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
f = v["findings"]
keys = [x for x in f if x["kind"] == "secret"]
h = keys[0]["history"] if keys else {}
path = keys[0]["path"] if keys else "-"
if len(path) > 40:
    path = path[:18] + "…" + path[-21:]
print(len(keys), path, {k: h.get(k) for k in ("commits", "paths", "paths_capped", "in_head")},
      f"errors={v['stats']['errors']}")
PY
)
  printf "%-8s %10s %10d MiB %6s %s\n" "$kind" "$secs" "$((rss / 1024))" "$code" "$summary"
done
echo "($(nproc) cores; targets: < 20 s and < 1024 MiB each; exit 1 = keys found)"
