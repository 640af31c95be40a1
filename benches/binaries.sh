#!/usr/bin/env bash
# Compares rastagg binaries on benches/aggregate.sh's job (world_lzw.tif, factor 5, six
# statistics): runs them interleaved REPEAT times (default 5) and prints each one's median wall
# time and peak RSS. For the static musl build against the glibc build, or two release profiles.
# Usage: benches/binaries.sh BIN... (e.g. target/release/rastagg
#        target/x86_64-unknown-linux-musl/release/rastagg); input from $RASTAGG_BENCH_DIR
#        (default /tmp/rastagg-bench, made by benches/aggregate.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
work=${RASTAGG_BENCH_DIR:-/tmp/rastagg-bench}
input="$work/world_lzw.tif"
repeat=${REPEAT:-5}
[ -f "$input" ] || { echo "missing $input: run benches/aggregate.sh once" >&2; exit 1; }
declare -A times rss
for _ in $(seq "$repeat"); do
    for bin in "$@"; do
        out=$(mktemp -d)
        /usr/bin/time -f '%e %M' -o "$out/time" "$bin" aggregate "$input" -o "$out" \
            --factor 5 --stats count,min,max,sum,mean,SD -q
        read -r s m <"$out/time"
        times[$bin]+="$s "
        rss[$bin]+="$m "
        rm -rf "$out"
    done
done
for bin in "$@"; do
    t=$(tr ' ' '\n' <<<"${times[$bin]}" | grep . | median)
    r=$(tr ' ' '\n' <<<"${rss[$bin]}" | grep . | median)
    echo "$bin: median ${t} s, peak RSS $((r / 1024)) MiB, $(stat -c %s "$bin") bytes (runs: ${times[$bin]})"
done
