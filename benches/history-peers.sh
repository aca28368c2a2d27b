#!/usr/bin/env bash
# Issue 28: jikimi and kingfisher side by side, alternating, on the full
# history (every ref, pull-request refs included) of large real projects:
# wall time, CPU time and use (user+sys over wall), peak RSS, ratios.
#
#   benches/history-peers.sh [RUNS] [REPO...]
#
# Defaults: 1 run (no warm-up) on the bare mirrors of vitejs/vite and
# rails/rails that the tool library's `fetch` puts in /work/.mirror (never
# commit them). The repositories are only read. Kingfisher comes from
# PEERS (default /work/peers/bin, else ../peers/bin); betterleaks and
# nosey parker are not run here.
#
# The machine may be shared: the load average is printed before and after
# each repository; compare the ratios of one run, not absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-1}
shift || true
REPOS=("$@")
if [ ${#REPOS[@]} -eq 0 ]; then
  REPOS=(/work/.mirror/vitejs+vite/repo /work/.mirror/rails+rails/repo)
fi
SRC=${PEERS:-/work/peers/bin}
[ -d "$SRC" ] || SRC=../peers/bin
# Kingfisher only (betterleaks takes minutes on these; run history.sh for it).
PEERS=$(mktemp -d)
trap 'rm -rf "$PEERS"' EXIT
[ -x "$SRC/kingfisher" ] && ln -s "$(cd "$SRC" && pwd)/kingfisher" "$PEERS/kingfisher"
export PEERS
for r in "${REPOS[@]}"; do
  echo "== $r"
  REPO=$r WARM_UP=${WARM_UP:-0} bash benches/history.sh 0 0 "$RUNS"
done
