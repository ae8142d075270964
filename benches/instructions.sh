#!/usr/bin/env bash
# Instructions per call of each path in benches/instructions.rs, counted by
# callgrind: (instructions for 2,000 calls - for 1,000) / 1,000.
#
#   bash benches/instructions.sh [path ...]      (default: every path)
#   FEATURES=profile bash benches/instructions.sh hit
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (callgrind)" >&2; exit 1; }
bin=$(cargo bench --bench instructions --features "alloc ${FEATURES:-}" --no-run \
        --message-format=json 2>/dev/null |
      sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
paths=("$@")
if [[ ${#paths[@]} -eq 0 ]]; then
    paths=(floor bare bare-eager hit hit-no-stats call pending call-pending fallback call-fallback
           box-per-call awaiting-floor awaiting-bare awaiting-bare-eager awaiting-hit awaiting-call)
fi
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*refs: *//p' | tr -d ,
}
for path in "${paths[@]}"; do
    a=$(count "$path" 1000)
    b=$(count "$path" 2000)
    printf '%-14s %s\n' "$path" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
done
