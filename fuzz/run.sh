#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 25) from its seed corpus
# (fuzz/corpus/<target>/, never written to: new inputs go to a scratch
# directory) and fails on the first finding. A finding is kept in
# BUILD/findings/ with the fuzzer's report; replay it with
# `BUILD/fuzz/<target> BUILD/findings/<file>`.
#   fuzz/run.sh build/fuzz [SECONDS]
set -euo pipefail
build=$(cd "${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}" && pwd)
seconds=${2:-25}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build/findings"
for target in fuzz_job_file fuzz_duration_size fuzz_icmp_packet fuzz_http_request fuzz_body_pattern; do
  mkdir -p "$scratch/$target"
  max_len=4096
  [ "$target" = fuzz_job_file ] && max_len=16384
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2 GB is a leak
  # or unbounded allocation. ASan's leak check runs at the end.
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
      -print_final_stats=1 -artifact_prefix="$build/findings/$target-" \
      "$scratch/$target" "$here/corpus/$target" >"$scratch/$target.log" 2>&1; then
    cp "$scratch/$target.log" "$build/findings/$target.log"
    tail -n 60 "$scratch/$target.log"
    echo "fuzz: $target found a problem (report and input in $build/findings/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log")
  echo "fuzz: $target: ${runs:-?} inputs in ${seconds} s, no finding"
done
