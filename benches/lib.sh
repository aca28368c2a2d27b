# Shared by benches/tree.sh and benches/history.sh: run each tool in CMD
# (an associative array tool -> command line) RUNS times, alternating, after
# a warm-up, and print a table of median wall time, throughput over BYTES,
# peak RSS and the ratio to jikimi. Needs /usr/bin/time and bc.

measure() { # tool -> "seconds rss_kib"
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" bash -c "${CMD[$1]}" >/dev/null 2>&1 || true
  tail -n 1 "$log"; rm -f "$log"   # the last line: time adds "Command exited..." before it
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# bench_warm_up TOOL...: one run each, to warm the page cache.
bench_warm_up() {
  local t
  for t in "$@"; do measure "$t" >/dev/null; done
}

# bench_rounds RUNS TOOL...: fills the global TIMES and RSS arrays.
bench_rounds() {
  local runs=$1; shift
  local r t s m
  declare -gA TIMES RSS
  for r in $(seq "$runs"); do
    for t in "$@"; do
      read -r s m < <(measure "$t")
      TIMES[$t]+="$s "; RSS[$t]+="$m "
    done
  done
}

# bench_table BYTES TOOL...: the table, ratios against the first tool.
bench_table() {
  local bytes=$1; shift
  local first=$1 t s m j
  printf "%-12s %10s %10s %12s %14s\n" tool "wall (s)" "MiB/s" "peak RSS" "time/$first"
  j=$(echo ${TIMES[$first]} | tr ' ' '\n' | median)
  for t in "$@"; do
    s=$(echo ${TIMES[$t]} | tr ' ' '\n' | median)
    m=$(echo ${RSS[$t]} | tr ' ' '\n' | sort -n | tail -1)
    printf "%-12s %10.2f %10.0f %9d MiB %13.1fx\n" "$t" "$s" \
      "$(echo "$bytes / 1048576 / $s" | bc -l)" "$((m / 1024))" "$(echo "$s / $j" | bc -l)"
  done
}
