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
# Prints, per input: size on disk, median wall and CPU (user+sys) time,
# throughput (MiB/s of input read from disk; for packages also of bytes
# unpacked), peak RSS and the number of findings.
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

# run BIN DIR ARGS... -> "wall_s cpu_s max_rss_kib" (one run)
run_once() {
  local bin=$1 dir=$2
  shift 2
  /usr/bin/time -f "%e %U %S %M" -o /tmp/jikimi-bench-time \
    "$bin" scan "$dir" -j "$THREADS" --format json -o /tmp/jikimi-bench-out.json "$@" \
    >/dev/null 2>/tmp/jikimi-bench-stderr || true
  # "Command exited with non-zero status 1" (findings) comes first.
  tail -1 /tmp/jikimi-bench-time | awk '{print $1, $2 + $3, $4}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# row LABEL DIR WALLS CPUS RSSES: one table line from the runs' numbers and
# the last run's report.
row() {
  local label=$1 dir=$2 t c m size unpacked findings
  t=$(printf '%s\n' $3 | median)
  c=$(printf '%s\n' $4 | median)
  m=$(printf '%s\n' $5 | sort -n | tail -1)
  size=$(bytes_of "$dir")
  unpacked=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["stats"].get("archive_bytes",0))' /tmp/jikimi-bench-out.json)
  findings=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(len(v["findings"]))' /tmp/jikimi-bench-out.json)
  awk -v l="$label" -v s="$size" -v t="$t" -v c="$c" -v m="$m" -v u="$unpacked" -v f="$findings" 'BEGIN {
    tp = (t > 0) ? s / 1048576 / t : 0; up = (t > 0) ? u / 1048576 / t : 0;
    printf "| %-34s | %7.1f MiB | %6.2f s | %6.2f s | %7.1f MiB/s | %7.1f MiB/s | %6.1f MiB | %4d |\n", l, s/1048576, t, c, tp, up, m/1024, f }'
}

# measure LABEL BIN DIR ARGS...
measure() {
  local label=$1 bin=$2 dir=$3
  shift 3
  run_once "$bin" "$dir" "$@" >/dev/null # warm the page cache
  local walls="" cpus="" rsses="" t c m
  for _ in $(seq "$RUNS"); do
    read -r t c m < <(run_once "$bin" "$dir" "$@")
    walls+="$t " cpus+="$c " rsses+="$m "
  done
  row "$label" "$dir" "$walls" "$cpus" "$rsses"
}

# compare LABEL_A BIN_A LABEL_B BIN_B DIR: runs alternate (A, B, A, B...) so
# that the load of a shared machine falls on both alike.
compare() {
  local la=$1 a=$2 lb=$3 b=$4 dir=$5
  run_once "$a" "$dir" >/dev/null
  run_once "$b" "$dir" >/dev/null
  local wa="" ca="" ma="" wb="" cb="" mb="" t c m
  for _ in $(seq "$RUNS"); do
    read -r t c m < <(run_once "$a" "$dir")
    wa+="$t " ca+="$c " ma+="$m "
    read -r t c m < <(run_once "$b" "$dir")
    wb+="$t " cb+="$c " mb+="$m "
  done
  row "$lb" "$dir" "$wb" "$cb" "$mb"
  run_once "$a" "$dir" >/dev/null # the report of A for the last row
  row "$la" "$dir" "$wa" "$ca" "$ma"
}

echo "| input | on disk | wall (median) | CPU (median) | read | unpacked | peak RSS | findings |"
echo "|---|---|---|---|---|---|---|---|"
if [ -n "$BASE" ]; then
  compare "plain tree, this build" "$BIN" "plain tree, baseline" "$BASE" "$PLAIN"
else
  measure "plain tree, this build" "$BIN" "$PLAIN"
fi
measure "plain tree, --no-archives" "$BIN" "$PLAIN" --no-archives
measure "packages, bundles, maps, notebooks" "$BIN" "$DIR/packages"
measure "packages, --no-archives" "$BIN" "$DIR/packages" --no-archives
