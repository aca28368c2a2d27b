#!/usr/bin/env bash
# Hostile inputs: time and memory of `jikimi scan` on each case that
# benches/gen_hostile.py builds (aliased string tables, bplists, asar, zip
# overlap and fan-out, 1,000 nested zips, damaged gzip, size limits at 2^64-1,
# JSON made of tiny values; issue 19: one key on 480,000 log lines, 40 custom
# rules whose DFAs explode), against the targets of issue 8: under 20 s wall
# and under 1 GiB peak RSS each, with the planted key found.
#
# Usage: benches/hostile.sh [JIKIMI]
#   JIKIMI  the binary to measure (default: target/release/jikimi, built
#           with `cargo build --release` first)
# Environment: BENCH_DIR (inputs, default /tmp/jikimi-bench-hostile; kept
# between runs), THREADS (default 2), TIMEOUT (seconds before a case is
# killed, default 120), CASES (space-separated names; default all).
#
# Prints one line per case: exit code, wall seconds, peak RSS, whether the
# planted key was found, how many skipped/error lines the report has, and
# "ok" when every target is met. Needs python3 and /usr/bin/time
# (apt-get install time).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/jikimi}
DIR=${BENCH_DIR:-/tmp/jikimi-bench-hostile}
THREADS=${THREADS:-2}
TIMEOUT=${TIMEOUT:-120}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
if [ "$BIN" = target/release/jikimi ]; then
  cargo build --release --quiet || exit 2
fi
if [ ! -f "$DIR/cases.tsv" ]; then
  echo "generating inputs in $DIR..." >&2
  python3 benches/gen_hostile.py "$DIR" || exit 2
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

printf "%-20s %4s %8s %10s %5s %5s %5s  %s\n" case exit "wall s" "peak RSS" key skip err verdict
fails=0
while IFS=$'\t' read -r name args expect what; do
  if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $name "* ]]; then continue; fi
  cfg=(--no-config)
  if [ "$args" = CONFIG ]; then cfg=(); args=""; fi
  if [ "$args" = - ]; then args=""; fi
  # shellcheck disable=SC2086 # args is a list of flags
  timeout -s KILL "$TIMEOUT" /usr/bin/time -v -o "$OUT/time" \
    "$BIN" scan "$DIR/$name" "${cfg[@]}" -j "$THREADS" --format json -o "$OUT/report.json" \
    $args >/dev/null 2>"$OUT/stderr"
  code=$?
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$OUT/time" 2>/dev/null)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time" 2>/dev/null)
  [ -n "$wall" ] || wall=$TIMEOUT
  [ -n "$rss" ] || rss=0
  read -r found skip err < <(python3 - "$OUT/report.json" "$expect" <<'EOF'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
except Exception:
    print("- - -"); sys.exit()
want = sys.argv[2]
found = "n/a" if want == "-" else (
    "yes" if any(want in f["path"] for f in v["findings"]) else "NO")
print(found, len(v.get("skipped", [])), len(v.get("errors", [])))
EOF
  )
  rm -f "$OUT/report.json"
  verdict=""
  if [ "$code" -gt 2 ]; then verdict="CRASHED"; fi
  if awk -v w="$wall" 'BEGIN {exit !(w >= 20)}'; then verdict="$verdict SLOW"; fi
  if [ "$rss" -ge $((1 << 20)) ]; then verdict="$verdict BIG"; fi
  if [ "$found" = NO ] || [ "$found" = - ]; then verdict="$verdict KEY-MISSED"; fi
  verdict=${verdict# }
  [ -n "$verdict" ] || verdict=ok
  # The 1,000-deep case must be refused as a usage error, with a message.
  if [ "$name" = zip-nested-1000 ]; then
    if [ "$code" -eq 2 ] && grep -q -- "--archive-depth" "$OUT/stderr"; then verdict=ok; found=n/a; fi
  fi
  [ "$verdict" = ok ] || fails=$((fails + 1))
  printf "%-20s %4s %8.2f %7d MiB %5s %5s %5s  %s\n" "$name" "$code" "$wall" $((rss / 1024)) \
    "$found" "$skip" "$err" "$verdict"
done <"$DIR/cases.tsv"
echo "targets: under 20 s wall and 1024 MiB peak RSS per case, planted key found; $fails case(s) missed"
[ "$fails" -eq 0 ]
