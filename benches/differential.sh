#!/usr/bin/env bash
# Differential testing (issue 18): run jikimi, kingfisher and betterleaks over
# the same folder of real files and print where they agree and disagree, per
# peer and per rule (benches/differential.py does the comparison; secrets are
# printed as SHA-256 prefixes only).
#
#   benches/differential.sh DIR [OUT]      (OUT defaults to bench-out/differential)
#
# DIR is content you did not write: working trees of public repositories,
# unpacked registry packages (see docs/rules.md for the corpus used). Never
# commit what is scanned or the peers' raw reports (they hold the secrets).
# The disagreement list (OUT/disagreements.tsv) is what to triage; `jikimi
# rules trace FILE` says why jikimi dropped a candidate.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(readlink -f "${1:?usage: benches/differential.sh DIR [OUT]}")
OUT=${2:-$(pwd)/bench-out/differential}
PEERS=${PEERS:-$(pwd)/../peers/bin}
mkdir -p "$OUT"
if [ -z "${JIKIMI:-}" ]; then
  cargo build --release --quiet
  JIKIMI=${CARGO_TARGET_DIR:-$(pwd)/target}/release/jikimi
fi
for p in kingfisher betterleaks; do
  [ -x "$PEERS/$p" ] || { echo "needs $PEERS/$p: run ../shared/bench/install-peers.sh" >&2; exit 2; }
done
# Every tool scans DIR from inside it, so the paths they print compare as they are.
(cd "$DIR" && "$JIKIMI" scan . --no-config --no-history --include-deps --no-redact \
   --format json -o "$OUT/jikimi.json" --quiet) || [ $? -eq 1 ]
(cd "$DIR" && "$PEERS/kingfisher" scan . --git-history none --no-validate --no-update-check -q \
   -j 2 --format json -o "$OUT/kingfisher.json") || [ $? -eq 200 ]
(cd "$DIR" && "$PEERS/betterleaks" fs . --no-banner --no-color -s -l warn --exit-code=0 \
   -o "$OUT/betterleaks.json")
python3 benches/differential.py "$OUT/jikimi.json" "$OUT/kingfisher.json" \
  "$OUT/betterleaks.json" . --list "$OUT/disagreements.tsv"
echo "disagreements: $OUT/disagreements.tsv"
