#!/usr/bin/env bash
# Tree-scan benchmark: jikimi vs kingfisher vs betterleaks on the same
# synthetic tree, in the same run, alternating. Prints wall time (median),
# throughput and peak RSS for each, the ratios, and jikimi's start-up time.
#
#   benches/tree.sh [SIZE_MIB] [RUNS]     (defaults: 1024 MiB, 3 runs)
#   TREE=DIR benches/tree.sh 0 [RUNS]       (a folder of real files instead)
#   benches/gen_corpus.sh /work/corpus && TREE=/work/corpus benches/tree.sh 0 3
#                                           (the bench corpus: real repositories'
#                                           trees and registry binaries)
#
# Needs python3 and /usr/bin/time (apt-get install time). Peers are installed
# by ../shared/bench/install-peers.sh into ../peers (skipped if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}
RUNS=${2:-3}
OUT=${BENCH_OUT:-$(pwd)/bench-out}
TREE=${TREE:-$OUT/tree-$SIZE}
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
# JIKIMI=path measures a given build (e.g. an older one); otherwise this
# tree's release build (in CARGO_TARGET_DIR when set).
if [ -z "${JIKIMI:-}" ]; then
  cargo build --release --quiet
  JIKIMI=${CARGO_TARGET_DIR:-$(pwd)/target}/release/jikimi
fi
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

source benches/lib.sh

echo "tree: $TREE ($((BYTES >> 20)) MiB, $(find "$TREE/" -type f | wc -l) files), $RUNS runs after a warm-up, $(nproc) cores"
bench_warm_up "${TOOLS[@]}"
bench_rounds "$RUNS" "${TOOLS[@]}"
bench_table "$BYTES" "${TOOLS[@]}"
python3 - "$OUT/jikimi.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
s = v['stats']
print(f"jikimi findings: {len(v['findings'])}, files {s['files']}, skipped {s['skipped']}, "
      f"binaries read {s.get('binaries', 'n/a')}, media passed over {s.get('media', 'n/a')}")
PY
# The cost of reading binaries as strings: the same scan with and without
# --no-binaries, alternating, medians of wall and CPU time (user + system:
# on a shared machine the CPU time is the steadier figure), peak RSS.
if $JIKIMI scan --help | grep -q -- --no-binaries; then
  CMD[with]="${CMD[jikimi]}"
  CMD[without]="${CMD[jikimi]} --no-binaries"
  declare -A BW BC BM
  for _ in $(seq "$RUNS"); do
    for t in with without; do
      read -r s m c < <(measure "$t")
      BW[$t]+="$s "; BC[$t]+="$c "; BM[$t]+="$m "
    done
  done
  row() { # tool -> "wall cpu rss_mib"
    echo "$(echo ${BW[$1]} | tr ' ' '\n' | median) $(echo ${BC[$1]} | tr ' ' '\n' | median)" \
      "$(( $(echo ${BM[$1]} | tr ' ' '\n' | sort -n | tail -1) / 1024 ))"
  }
  read -r ww wc wm < <(row with)
  read -r nw nc nm < <(row without)
  echo "reading binaries: ${ww} s wall, ${wc} s CPU, ${wm} MiB with;" \
    "${nw} s, ${nc} s, ${nm} MiB with --no-binaries (median of $RUNS, alternating):" \
    "$(echo "($wc - $nc) * 100 / $nc" | bc -l | xargs printf '%+.0f')% CPU," \
    "$(echo "($ww - $nw) * 100 / $nw" | bc -l | xargs printf '%+.0f')% wall"
fi
# Start-up: one small file that hits a keyword (the prefilter is built,
# one rule's regex compiled); the median of 5.
ONE=$(mktemp -d)
echo 'token = "abc"' > "$ONE/a.py"
ST=$(for _ in 1 2 3 4 5; do
  { /usr/bin/time -f "%e" $JIKIMI scan "$ONE" --no-history -q >/dev/null; } 2>&1 | tail -1
done | median)
echo "start-up (one small file): ${ST} s"
rm -r "$ONE"
