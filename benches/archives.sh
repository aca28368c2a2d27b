#!/usr/bin/env bash
# Throughput of `jikimi scan` on archives, app packages, bundles, source maps
# and notebooks, and the cost of archive support on a tree that has none.
#
# Usage: benches/archives.sh [JIKIMI] [BASELINE]
#   JIKIMI    the binary to measure (default: target/release/jikimi; build it
#             with `cargo build --release`)
#   BASELINE  optional second binary (e.g. a build of main before archives)
#             measured on the plain tree, alternating with JIKIMI
# Environment: BENCH_DIR (inputs, default /tmp/jikimi-bench-archives; kept
# between runs), RUNS (default 5), FILES (plain tree size, default 20000),
# SCALE (package count multiplier, default 2), THREADS (default 2), PLAIN
# (the archive-free tree, default $BENCH_DIR/plain; e.g. a tree made by
# benches/gen_tree.py, the tree benchmark's generator).
#
# Prints, per input: size on disk, median wall time, throughput (MiB/s of
# input read from disk; for packages also of bytes unpacked) and peak RSS.
# The machine is shared: compare numbers from one run, not across runs.
set -euo pipefail

BIN=${1:-target/release/jikimi}
BASE=${2:-}
DIR=${BENCH_DIR:-/tmp/jikimi-bench-archives}
RUNS=${RUNS:-5}
FILES=${FILES:-20000}
SCALE=${SCALE:-2}
THREADS=${THREADS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
PLAIN=${PLAIN:-$DIR/plain}

if [ ! -d "$DIR/plain" ]; then
  echo "generating inputs in $DIR (files=$FILES scale=$SCALE)..." >&2
  python3 "$HERE/gen_archives.py" "$DIR" "$FILES" "$SCALE"
fi

bytes_of() { du -sb --apparent-size "$1" | cut -f1; }

# run BIN DIR ARGS... -> "seconds max_rss_kib" (one run)
run_once() {
  local bin=$1 dir=$2
  shift 2
  /usr/bin/time -f "%e %M" -o /tmp/jikimi-bench-time \
    "$bin" scan "$dir" -j "$THREADS" --format json -o /tmp/jikimi-bench-out.json "$@" \
    >/dev/null 2>/tmp/jikimi-bench-stderr || true
  cat /tmp/jikimi-bench-time
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure LABEL BIN DIR ARGS...
measure() {
  local label=$1 bin=$2 dir=$3
  shift 3
  run_once "$bin" "$dir" "$@" >/dev/null # warm the page cache
  local times=() rss=()
  for _ in $(seq "$RUNS"); do
    read -r t m < <(run_once "$bin" "$dir" "$@")
    times+=("$t")
    rss+=("$m")
  done
  local t m size
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  size=$(bytes_of "$dir")
  local unpacked findings
  unpacked=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["stats"].get("archive_bytes",0))' /tmp/jikimi-bench-out.json)
  findings=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(len(v["findings"]))' /tmp/jikimi-bench-out.json)
  awk -v l="$label" -v s="$size" -v t="$t" -v m="$m" -v u="$unpacked" -v f="$findings" 'BEGIN {
    tp = (t > 0) ? s / 1048576 / t : 0; up = (t > 0) ? u / 1048576 / t : 0;
    printf "| %-34s | %8.1f MiB | %6.2f s | %7.1f MiB/s | %7.1f MiB/s | %6.1f MiB | %4d |\n", l, s/1048576, t, tp, up, m/1024, f }'
}

echo "| input | on disk | median wall | read | unpacked | peak RSS | findings |"
echo "|---|---|---|---|---|---|---|"
measure "plain tree, this build" "$BIN" "$PLAIN"
if [ -n "$BASE" ]; then
  measure "plain tree, baseline" "$BASE" "$PLAIN"
  measure "plain tree, this build (again)" "$BIN" "$PLAIN"
  measure "plain tree, baseline (again)" "$BASE" "$PLAIN"
fi
measure "plain tree, --no-archives" "$BIN" "$PLAIN" --no-archives
measure "packages, bundles, maps, notebooks" "$BIN" "$DIR/packages"
measure "packages, --no-archives" "$BIN" "$DIR/packages" --no-archives
