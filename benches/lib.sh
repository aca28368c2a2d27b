# Shared by benches/tree.sh and benches/history.sh: run each tool in CMD
# (an associative array tool -> command line) RUNS times, alternating, after
# a warm-up, and print a table of median wall time, median CPU time (user +
# system), throughput over BYTES, peak RSS and the ratio to jikimi. Needs
# /usr/bin/time and bc.

measure() { # tool -> "seconds rss_kib cpu_seconds"
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M %U %S" -o "$log" bash -c "${CMD[$1]}" >/dev/null 2>&1 || true
  # The last line: time adds "Command exited..." before it.
  tail -n 1 "$log" | awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}'; rm -f "$log"
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
  local r t s m c
  declare -gA TIMES RSS CPU
  for r in $(seq "$runs"); do
    for t in "$@"; do
      read -r s m c < <(measure "$t")
      TIMES[$t]+="$s "; RSS[$t]+="$m "; CPU[$t]+="$c "
    done
  done
}

# bench_table BYTES TOOL...: the table, ratios against the first tool.
bench_table() {
  local bytes=$1; shift
  local first=$1 t s m c j
  printf "%-12s %9s %9s %9s %12s %13s\n" tool "wall (s)" "CPU (s)" "MiB/s" "peak RSS" "$first/tool"
  j=$(echo ${TIMES[$first]} | tr ' ' '\n' | median)
  for t in "$@"; do
    s=$(echo ${TIMES[$t]} | tr ' ' '\n' | median)
    c=$(echo ${CPU[$t]} | tr ' ' '\n' | median)
    m=$(echo ${RSS[$t]} | tr ' ' '\n' | sort -n | tail -1)
    printf "%-12s %9.2f %9.2f %9.0f %8d MiB %12.2fx\n" "$t" "$s" "$c" \
      "$(echo "$bytes / 1048576 / $s" | bc -l)" "$((m / 1024))" "$(echo "$j / $s" | bc -l)"
  done
}
