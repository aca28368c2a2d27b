#!/usr/bin/env bash
# Throughput and peak RSS of `jikimi scan IMAGE.tar` on a generated
# container image (benches/gen_image.py): a `docker save` archive of
# uncompressed layers and an OCI archive of gzip layers, SIZE MiB of layers
# each (default 1024). Layers are streamed: peak RSS should stay near the
# largest file in a layer, whatever the image's size.
#
# Usage: benches/image.sh [JIKIMI]
#   JIKIMI  the binary to measure (default: target/release/jikimi; build it
#           with `cargo build --release`)
# Environment: BENCH_DIR (inputs, default /tmp/jikimi-bench-image; kept
# between runs), RUNS (default 3), SIZE (MiB, default 1024), THREADS
# (default 2).
#
# Prints, per image: size on disk, median wall and CPU time, throughput
# (MiB/s of the archive, and of layer bytes unpacked), peak RSS (the
# largest of the runs) and the number of findings.
set -euo pipefail

BIN=${1:-target/release/jikimi}
DIR=${BENCH_DIR:-/tmp/jikimi-bench-image}
RUNS=${RUNS:-3}
SIZE=${SIZE:-1024}
THREADS=${THREADS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR"

for fmt in docker oci; do
  if [ ! -f "$DIR/$fmt.tar" ]; then
    echo "generating $DIR/$fmt.tar ($SIZE MiB of layers)..." >&2
    python3 "$HERE/gen_image.py" "$DIR/$fmt.tar" "$SIZE" "$fmt"
  fi
done

# run_once ARCHIVE -> "wall_s cpu_s max_rss_kib"
run_once() {
  /usr/bin/time -f "%e %U %S %M" -o /tmp/jikimi-bench-time \
    "$BIN" scan "$1" -j "$THREADS" --format json -o /tmp/jikimi-bench-out.json \
    >/dev/null 2>/tmp/jikimi-bench-stderr || true
  tail -1 /tmp/jikimi-bench-time | awk '{print $1, $2 + $3, $4}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| image | on disk | wall (median) | CPU (median) | read | unpacked | peak RSS | findings |"
echo "|---|---|---|---|---|---|---|---|"
for fmt in docker oci; do
  f="$DIR/$fmt.tar"
  run_once "$f" >/dev/null # warm the page cache
  walls="" cpus="" rsses=""
  for _ in $(seq "$RUNS"); do
    read -r t c m < <(run_once "$f")
    walls+="$t " cpus+="$c " rsses+="$m "
  done
  t=$(printf '%s\n' $walls | median)
  c=$(printf '%s\n' $cpus | median)
  m=$(printf '%s\n' $rsses | sort -n | tail -1)
  size=$(stat -c %s "$f")
  read -r unpacked findings < <(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["stats"].get("archive_bytes",0), len(v["findings"]))' /tmp/jikimi-bench-out.json)
  awk -v l="$fmt" -v s="$size" -v t="$t" -v c="$c" -v m="$m" -v u="$unpacked" -v f="$findings" 'BEGIN {
    tp = (t > 0) ? s / 1048576 / t : 0; up = (t > 0) ? u / 1048576 / t : 0;
    printf "| %-8s | %7.1f MiB | %6.2f s | %6.2f s | %7.1f MiB/s | %7.1f MiB/s | %6.1f MiB | %4d |\n", l, s/1048576, t, c, tp, up, m/1024, f }'
done
if [ -s /tmp/jikimi-bench-stderr ]; then
  echo "stderr of the last run:" >&2
  head -5 /tmp/jikimi-bench-stderr >&2
fi
