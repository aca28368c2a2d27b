#!/usr/bin/env bash
# Organisation benchmark: scan 50, then 200 local repositories through a mock
# of GitHub's list API (file:// clone URLs, so no network), and print wall
# time, CPU time and peak RSS for each. Every repository is alike, so peak
# memory should stay flat as the count grows: one repository is scanned at a
# time and at most --clone-jobs + 1 clones exist.
#
#   benches/org.sh [COUNTS...]     (default: 50 200)
#
# Needs python3, git (to generate the repositories), /usr/bin/time.
# JIKIMI=path measures a given build; otherwise this tree's release build.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNTS=("${@:-50 200}")
read -r -a COUNTS <<< "${COUNTS[*]}"
OUT=${BENCH_OUT:-$(pwd)/bench-out}
REPOS=$OUT/org-repos
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
if [ -z "${JIKIMI:-}" ]; then
  cargo build --release --quiet
  JIKIMI=${CARGO_TARGET_DIR:-$(pwd)/target}/release/jikimi
fi
MAX=0; for n in "${COUNTS[@]}"; do [ "$n" -gt "$MAX" ] && MAX=$n; done
python3 benches/gen_org.py "$REPOS" "$MAX"
printf "%-12s %9s %9s %12s %10s\n" repositories "wall (s)" "CPU (s)" "peak RSS" findings
for n in "${COUNTS[@]}"; do
  rm -f "$OUT/org-port"
  python3 benches/org_api.py "$REPOS" "$n" "$OUT/org-port" & api=$!
  for _ in $(seq 50); do [ -s "$OUT/org-port" ] && break; sleep 0.1; done
  log=$(mktemp)
  /usr/bin/time -f "%e %M %U %S" -o "$log" "$JIKIMI" scan --github-org acme \
    --api-url "http://127.0.0.1:$(cat "$OUT/org-port")" --format json -o "$OUT/org-$n.json" \
    >/dev/null 2>&1 || true
  kill "$api"; wait "$api" 2>/dev/null || true
  read -r wall rss user sys < <(tail -n 1 "$log"); rm -f "$log"
  found=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['findings'])" "$OUT/org-$n.json")
  printf "%-12s %9.2f %9.2f %8d MiB %10s\n" "$n" "$wall" "$(echo "$user + $sys" | bc -l)" "$((rss / 1024))" "$found"
done
