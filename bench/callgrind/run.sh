#!/usr/bin/env bash
# Instructions per request, deterministic where req/s on a shared machine is not: callgrind counts for 3000 and
# 6000 requests of each server, and the difference divided by 3000 (start-up and JIT warm-up cancel out).
# Needs valgrind (Debian package) and a build (npm run build). Takes about 5 minutes.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() {
  node client.cjs "$work/port.$1.$2" "$2" &
  valgrind --tool=callgrind --callgrind-out-file="$work/out.$1.$2" node serve.cjs "$1" "$2" "$work/port.$1.$2" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,
  wait
}
for kind in raw package; do
  low=$(count "$kind" 3000)
  high=$(count "$kind" 6000)
  echo "$kind: $(( (high - low) / 3000 )) instructions per request"
done
