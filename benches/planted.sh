#!/usr/bin/env bash
# Recall on planted credentials (issue 29, item 2): generate the tree of
# benches/gen_planted.py (fake values), scan it with jikimi, kingfisher and
# betterleaks, and print how many planted lines each finds, and every planted
# line a peer finds that jikimi misses (forms only, never values).
#
#   benches/planted.sh [OUT]      (OUT defaults to bench-out/planted)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(pwd)/bench-out/planted}
PEERS=${PEERS:-$(pwd)/../peers/bin}
[ -d "$PEERS" ] || PEERS=/work/peers/bin
rm -rf "$OUT"; mkdir -p "$OUT"
python3 benches/gen_planted.py "$OUT"
if [ -z "${JIKIMI:-}" ]; then
  cargo build --release --quiet
  JIKIMI=${CARGO_TARGET_DIR:-$(pwd)/target}/release/jikimi
fi
(cd "$OUT/tree" && "$JIKIMI" scan . --no-config --no-history --no-redact \
   --format json -o "$OUT/jikimi.json" --quiet) || [ $? -eq 1 ]
if [ -x "$PEERS/kingfisher" ]; then
  (cd "$OUT/tree" && "$PEERS/kingfisher" scan . --git-history none --no-validate --no-update-check -q \
     -j 2 --format json -o "$OUT/kingfisher.json") || [ $? -eq 200 ]
fi
if [ -x "$PEERS/betterleaks" ]; then
  (cd "$OUT/tree" && "$PEERS/betterleaks" fs . --no-banner --no-color -s -l warn --exit-code=0 \
     -o "$OUT/betterleaks.json")
fi
python3 - "$OUT" <<'PY'
import json, os, sys
sys.path.insert(0, "benches")
import differential as d
out = sys.argv[1]
root = "."
planted = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "planted.tsv"))]
tools = {}
for name, load in (("jikimi", d.jikimi), ("kingfisher", d.kingfisher), ("betterleaks", d.betterleaks)):
    p = os.path.join(out, name + ".json")
    if os.path.exists(p):
        tools[name] = {(f[0], f[1]) for f in load(p, root)}
hits = {t: [(p, int(l)) in s for p, l, _ in planted] for t, s in tools.items()}
for t, h in hits.items():
    print(f"{t:12} {sum(h):3} of {len(planted)} planted lines")
for i, (p, l, form) in enumerate(planted):
    if not hits["jikimi"][i]:
        by = [t for t in tools if t != "jikimi" and hits[t][i]]
        print(f"jikimi misses {p}:{l} ({form})" + (f"; found by {', '.join(by)}" if by else ""))
for t, s in tools.items():
    extra = sorted(s - {(p, int(l)) for p, l, _ in planted})
    for p, l in extra:
        print(f"{t} reports an unplanted line {p}:{l}")
PY
