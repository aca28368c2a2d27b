#!/usr/bin/env bash
# History-scan benchmark: jikimi vs kingfisher vs betterleaks on the same
# git repository, in the same run, alternating. Prints wall time (median),
# MiB/s of unique blob data, peak RSS for each, and the ratios.
#
#   benches/history.sh [COMMITS] [TARGET_MIB] [RUNS]   (defaults: 5000 700 3)
#   REPO=DIR benches/history.sh 0 0 [RUNS]            (an existing repository instead)
#   FEATURES=zlib-ng benches/history.sh               (inflate with zlib-ng; needs cmake)
#
# By default the repository is synthetic, generated once by
# benches/gen_history.py (git fast-import; ~1 min) into bench-out/
# (git-ignored). With REPO=DIR it is DIR, used as it is (COMMITS and
# TARGET_MIB must be 0); e.g. the npm release history that
# benches/gen_release_history.py builds:
#
#   benches/gen_release_history.py --cache bench-out/release-cache bench-out/release-history
#   REPO=bench-out/release-history benches/history.sh 0 0 3
#
# A lockfile-heavy history (one pnpm-lock.yaml rewritten 2,000 times, one
# long delta chain full of integrity hashes; issue 28):
#
#   benches/gen_lockfile_history.py bench-out/lockfile-history 2000 1500
#   REPO=bench-out/lockfile-history benches/history.sh 0 0 3
#
# Prints CPU use (user+sys over wall) per tool after the table.
#
# Needs python3, git and /usr/bin/time (apt-get install time). Peers come from
# ../shared/bench/install-peers.sh into ../peers (skipped if absent).
set -euo pipefail
if [ -n "${REPO:-}" ]; then  # relative to the caller's directory
  [ -d "$REPO" ] || { echo "REPO=$REPO: no such directory" >&2; exit 2; }
  REPO=$(cd "$REPO" && pwd)
fi
cd "$(dirname "$0")/.."
if [ -n "${REPO:-}" ]; then DEFAULTS=(0 0); else DEFAULTS=(5000 700); fi
COMMITS=${1:-${DEFAULTS[0]}}
MIB=${2:-${DEFAULTS[1]}}
RUNS=${3:-3}
OUT=${BENCH_OUT:-$(pwd)/bench-out}
if [ -n "${REPO:-}" ]; then
  [ "$COMMITS" = 0 ] && [ "$MIB" = 0 ] || { echo "with REPO=DIR, pass 0 0 [RUNS]" >&2; exit 2; }
  GENERATE=
else
  REPO="$OUT/history-$COMMITS-$MIB"
  GENERATE=1
fi
PEERS=${PEERS:-$(pwd)/../peers/bin}
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
if [ -n "$GENERATE" ] && [ ! -d "$REPO" ]; then
  python3 benches/gen_history.py "$REPO" "$COMMITS" "$MIB"
fi
if [ ! -x "$PEERS/kingfisher" ] && [ -x ../shared/bench/install-peers.sh ]; then
  bash ../shared/bench/install-peers.sh "$(dirname "$PEERS")" >/dev/null || true
fi
# JIKIMI=PATH: that binary, not a fresh release build.
[ -n "${JIKIMI:-}" ] || cargo build --release --quiet ${FEATURES:+--features "$FEATURES"}
JIKIMI=${JIKIMI:-${CARGO_TARGET_DIR:-$(pwd)/target}/release/jikimi}

declare -A CMD
CMD[jikimi]="$JIKIMI scan $REPO --history-only --format json -o $OUT/jikimi-history.json"
[ -x "$PEERS/kingfisher" ] && CMD[kingfisher]="$PEERS/kingfisher scan $REPO --git-history full --no-validate --no-update-check -q -j 2 --format json -o $OUT/kingfisher-history.json"
[ -x "$PEERS/betterleaks" ] && CMD[betterleaks]="$PEERS/betterleaks git $REPO --no-banner --no-color -s -l warn --exit-code=0 -o $OUT/betterleaks-history.json"
TOOLS=(jikimi)
[ -n "${CMD[kingfisher]:-}" ] && TOOLS+=(kingfisher)
[ -n "${CMD[betterleaks]:-}" ] && TOOLS+=(betterleaks)

source benches/lib.sh

# WARM_UP=0 skips the warm-up runs (large repositories: each run is long).
[ "${WARM_UP:-1}" = 0 ] || bench_warm_up "${TOOLS[@]}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_rounds "$RUNS" "${TOOLS[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Unique blob bytes, as jikimi counted them (the MiB/s denominator for all).
read -r NC NB BYTES < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(s["commits"], s["blobs"] + s["blobs_skipped"], s["blob_bytes"])' "$OUT/jikimi-history.json")
OBJ="$REPO/.git/objects"; [ -d "$OBJ" ] || OBJ="$REPO/objects"  # a bare repository
PACK=$(du -sk "$OBJ/pack" | cut -f1)
echo "repo: $REPO ($NC commits, $NB unique blobs, $((BYTES >> 20)) MiB of blob data, $((PACK >> 10)) MiB packed)"
echo "$RUNS runs, alternating$([ "${WARM_UP:-1}" = 0 ] && echo ", no warm-up" || echo " after a warm-up"), $(nproc) cores"
bench_table "$BYTES" "${TOOLS[@]}"
# CPU use: median CPU time (user + sys) over median wall time; 100% is one
# core busy, $(nproc)00% all of them.
for t in "${TOOLS[@]}"; do
  s=$(echo ${TIMES[$t]} | tr ' ' '\n' | median)
  c=$(echo ${CPU[$t]} | tr ' ' '\n' | median)
  printf "%-12s CPU use %4.0f%% (user+sys over wall, %s cores)\n" "$t" "$(echo "100 * $c / $s" | bc -l)" "$(nproc)"
done
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
v = json.load(open(os.path.join(out, "jikimi-history.json")))
print(f"jikimi findings: {len(v['findings'])} (5 keys are planted in a generated repository when COMMITS >= 1600)")
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
