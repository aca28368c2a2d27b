#!/usr/bin/env bash
# History-scan benchmark: jikimi vs kingfisher vs betterleaks on the same
# synthetic git repository, in the same run, alternating. Prints wall time
# (median), MiB/s of unique blob data, peak RSS for each, and the ratios.
#
#   benches/history.sh [COMMITS] [TARGET_MIB] [RUNS]   (defaults: 5000 700 3)
#   FEATURES=zlib-ng benches/history.sh               (inflate with zlib-ng; needs cmake)
#
# The repository is generated once by benches/gen_history.py (git
# fast-import; ~1 min) into bench-out/ (git-ignored). Needs python3, git and
# /usr/bin/time (apt-get install time). Peers come from
# ../shared/bench/install-peers.sh into ../peers (skipped if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
COMMITS=${1:-5000}
MIB=${2:-700}
RUNS=${3:-3}
OUT=${BENCH_OUT:-$(pwd)/bench-out}
REPO="$OUT/history-$COMMITS-$MIB"
PEERS=${PEERS:-$(pwd)/../peers/bin}
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
if [ ! -d "$REPO" ]; then
  python3 benches/gen_history.py "$REPO" "$COMMITS" "$MIB"
fi
if [ ! -x "$PEERS/kingfisher" ] && [ -x ../shared/bench/install-peers.sh ]; then
  bash ../shared/bench/install-peers.sh "$(dirname "$PEERS")" >/dev/null || true
fi
cargo build --release --quiet ${FEATURES:+--features "$FEATURES"}
JIKIMI=${JIKIMI:-$(pwd)/target/release/jikimi}

declare -A CMD
CMD[jikimi]="$JIKIMI scan $REPO --history-only --format json -o $OUT/jikimi-history.json"
[ -x "$PEERS/kingfisher" ] && CMD[kingfisher]="$PEERS/kingfisher scan $REPO --git-history full --no-validate --no-update-check -q -j 2 --format json -o $OUT/kingfisher-history.json"
[ -x "$PEERS/betterleaks" ] && CMD[betterleaks]="$PEERS/betterleaks git $REPO --no-banner --no-color -s -l warn --exit-code=0 -o $OUT/betterleaks-history.json"
TOOLS=(jikimi)
[ -n "${CMD[kingfisher]:-}" ] && TOOLS+=(kingfisher)
[ -n "${CMD[betterleaks]:-}" ] && TOOLS+=(betterleaks)

measure() { # tool -> "seconds rss_kib"
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" bash -c "${CMD[$1]}" >/dev/null 2>&1 || true
  tail -n 1 "$log"; rm -f "$log"   # the last line: time adds "Command exited..." before it
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for t in "${TOOLS[@]}"; do measure "$t" >/dev/null; done   # warm the page cache
# Unique blob bytes, as jikimi counted them (the MiB/s denominator for all).
read -r NC NB BYTES < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(s["commits"], s["blobs"] + s["blobs_skipped"], s["blob_bytes"])' "$OUT/jikimi-history.json")
PACK=$(du -sk "$REPO/.git/objects/pack" | cut -f1)
echo "repo: $REPO ($NC commits, $NB unique blobs, $((BYTES >> 20)) MiB of blob data, $((PACK >> 10)) MiB packed)"
echo "$RUNS runs after a warm-up, $(nproc) cores"
declare -A TIMES RSS
for r in $(seq "$RUNS"); do
  for t in "${TOOLS[@]}"; do
    read -r s m < <(measure "$t")
    TIMES[$t]+="$s "; RSS[$t]+="$m "
  done
done
printf "%-12s %10s %10s %12s %14s\n" tool "wall (s)" "MiB/s" "peak RSS" "time/jikimi"
J=$(echo ${TIMES[jikimi]} | tr ' ' '\n' | median)
for t in "${TOOLS[@]}"; do
  s=$(echo ${TIMES[$t]} | tr ' ' '\n' | median)
  m=$(echo ${RSS[$t]} | tr ' ' '\n' | sort -n | tail -1)
  printf "%-12s %10.2f %10.0f %9d MiB %13.1fx\n" "$t" "$s" "$(echo "$BYTES / 1048576 / $s" | bc -l)" "$((m / 1024))" "$(echo "$s / $J" | bc -l)"
done
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
v = json.load(open(os.path.join(out, "jikimi-history.json")))
print(f"jikimi findings: {len(v['findings'])} (5 keys planted)")
for f in v["findings"]:
    h = f["history"] or {}
    print(f"  {f['rule']:<22} {f['path']:<22} {f['commit']['summary'][:40]:<40} commits={h.get('commits')}")
for name in ("kingfisher", "betterleaks"):
    p = os.path.join(out, f"{name}-history.json")
    if os.path.exists(p):
        try:
            d = json.load(open(p))
            n = len(d) if isinstance(d, list) else len(d.get("findings", d.get("results", [])))
            print(f"{name} findings: {n}")
        except Exception as e:
            print(f"{name}: cannot read its report ({e})")
PY
