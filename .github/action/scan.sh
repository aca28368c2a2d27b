#!/usr/bin/env bash
# The scan step of action.yml: run jikimi once for the JSON report (and once
# more for SARIF when asked), then turn the JSON into annotations and a job
# summary. Everything printed from the report (paths, rule titles) is
# escaped: a file name in a pull request can hold workflow commands or HTML.
# Exit code: jikimi's (0 clean, 1 findings that fail, 2 error).
set -uo pipefail

args=(scan --format json --output "$REPORT" --fail-on "$FAIL_ON")
case "$SCOPE" in
  pr) range=(--since "${BASE_SHA:?scope pr needs a pull_request event}") ;;
  full) range=() ;;
  *) if [ -n "${BASE_SHA:-}" ]; then range=(--since "$BASE_SHA"); else range=(); fi ;;
esac
[ -n "$BASELINE" ] && args+=(--baseline "$BASELINE")
# shellcheck disable=SC2206 # extra arguments are split like a command line
extra=($EXTRA)
jikimi "${args[@]}" "${range[@]}" "${extra[@]}" .
code=$?
echo "report=$REPORT" >> "$GITHUB_OUTPUT"
if [ "$SARIF" = "true" ]; then
  sarif="$RUNNER_TEMP/jikimi.sarif"
  jikimi scan --format sarif --output "$sarif" --fail-on none ${BASELINE:+--baseline "$BASELINE"} "${range[@]}" "${extra[@]}" . >/dev/null
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
if [ ! -s "$REPORT" ]; then
  exit "$code"
fi
jq -r '"findings=\(.findings | length)", "failing=\(.failing // 0)"' "$REPORT" >> "$GITHUB_OUTPUT"

if [ "$ANNOTATE" = "true" ]; then
  # Workflow-command escaping: data %, CR, LF; properties also : and ,.
  jq -r '
    def data: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
    def prop: data | gsub(":"; "%3A") | gsub(","; "%2C");
    .findings[] |
    "::\(if .severity == "critical" or .severity == "high" then "error" else "warning" end) file=\(.path | prop),line=\([.line, 1] | max),title=\("jikimi: \(.title) [\(.rule)]" | prop)::\("\(.secret // "") - cause: \((.causes // []) | join(", ")). Fix: \(.fix)" | data)"
  ' "$REPORT"
fi

if [ "$SUMMARY" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # Markdown escaping: HTML, table pipes, code spans, line breaks.
  jq -r '
    def md: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;")
      | gsub("\\|"; "\\|") | gsub("`"; "&#96;") | gsub("[\r\n]"; " ");
    "## jikimi: \(.findings | length) finding(s), \(.failing // 0) failing",
    "",
    (if (.findings | length) == 0 then "No leaked keys found." else
      "### Do this first",
      "",
      (.findings | sort_by(.severity != "critical", .severity != "high") | .[:10][] |
        "- **\(.title | md)** (`\(.rule | md)`) at \(.path | md):\(.line): \(.fix | md)\(if .rotate_url then " ([rotate](\(.rotate_url | md)))" else "" end)"),
      (if (.findings | length) > 10 then "- … and \((.findings | length) - 10) more in the JSON report" else empty end),
      ""
    end),
    "### Checklist",
    "",
    "| # | Question | Status |",
    "|---|---|---|",
    (.checklist[]? | "| \(.number) | \(.question | md) | \(.status | md) |"),
    "",
    "Old keys in history? Rotate them, then record them: `jikimi baseline create` and pass the file as the `baseline` input."
  ' "$REPORT" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$code"
