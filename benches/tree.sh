#!/usr/bin/env bash
# Tree-scan benchmark: jikimi vs kingfisher vs betterleaks on the same
# synthetic tree, in the same run, alternating. Prints wall time (median),
# throughput and peak RSS for each, the ratios, and jikimi's start-up time.
#
#   benches/tree.sh [SIZE_MIB] [RUNS]     (defaults: 1024 MiB, 3 runs)
#
# Needs python3 and /usr/bin/time (apt-get install time). Peers are installed
# by ../shared/bench/install-peers.sh into ../peers (skipped if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}
RUNS=${2:-3}
OUT=${BENCH_OUT:-$(pwd)/bench-out}
TREE="$OUT/tree-$SIZE"
PEERS=${PEERS:-$(pwd)/../peers/bin}
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
if [ ! -d "$TREE" ]; then
  python3 benches/gen_tree.py "$TREE" "$SIZE"
fi
if [ ! -x "$PEERS/kingfisher" ] && [ -x ../shared/bench/install-peers.sh ]; then
  bash ../shared/bench/install-peers.sh "$(dirname "$PEERS")" >/dev/null || true
fi
TREE=$(readlink -f "$TREE")   # peers may not follow a symlinked root
cargo build --release --quiet
JIKIMI=$(pwd)/target/release/jikimi
BYTES=$(du -sb --apparent-size "$TREE/" | cut -f1)

declare -A CMD
CMD[jikimi]="$JIKIMI scan $TREE --no-history --format json -o $OUT/jikimi.json"
[ -x "$PEERS/kingfisher" ] && CMD[kingfisher]="$PEERS/kingfisher scan $TREE --git-history none --no-validate --no-update-check -q -j 2 --format json -o $OUT/kingfisher.json"
[ -x "$PEERS/betterleaks" ] && CMD[betterleaks]="$PEERS/betterleaks fs $TREE --no-banner --no-color -s -l warn --exit-code=0 -o $OUT/betterleaks.json"
TOOLS=(jikimi)
[ -n "${CMD[kingfisher]:-}" ] && TOOLS+=(kingfisher)
[ -n "${CMD[betterleaks]:-}" ] && TOOLS+=(betterleaks)

# --no-history may not exist in older builds; fall back to a plain scan.
$JIKIMI scan --help | grep -q -- --no-history || CMD[jikimi]="${CMD[jikimi]/ --no-history/}"

measure() { # tool -> "seconds rss_kib"
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" bash -c "${CMD[$1]}" >/dev/null 2>&1 || true
  tail -n 1 "$log"; rm -f "$log"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "tree: $TREE ($((BYTES >> 20)) MiB, $(find "$TREE/" -type f | wc -l) files), $RUNS runs after a warm-up, $(nproc) cores"
for t in "${TOOLS[@]}"; do measure "$t" >/dev/null; done   # warm the page cache
declare -A TIMES RSS
for r in $(seq "$RUNS"); do
  for t in "${TOOLS[@]}"; do
    read -r s m < <(measure "$t")
    TIMES[$t]+="$s "; RSS[$t]+="$m "
  done
done
printf "%-12s %10s %10s %12s %10s\n" tool "wall (s)" "MiB/s" "peak RSS" "vs jikimi"
J=$(echo ${TIMES[jikimi]} | tr ' ' '\n' | median)
for t in "${TOOLS[@]}"; do
  s=$(echo ${TIMES[$t]} | tr ' ' '\n' | median)
  m=$(echo ${RSS[$t]} | tr ' ' '\n' | sort -n | tail -1)
  printf "%-12s %10.2f %10.0f %9d MiB %9.1fx\n" "$t" "$s" "$(echo "$BYTES / 1048576 / $s" | bc -l)" "$((m / 1024))" "$(echo "$s / $J" | bc -l)"
done
python3 - "$OUT/jikimi.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
print(f"jikimi findings: {len(v['findings'])}, files {v['stats']['files']}, skipped {v['stats']['skipped']}")
PY
EMPTY=$(mktemp -d)
ST=$( { /usr/bin/time -f "%e" $JIKIMI scan "$EMPTY" -q >/dev/null; } 2>&1 | tail -1)
echo "start-up (empty dir, rules compiled lazily): ${ST} s"
rmdir "$EMPTY"
