#!/usr/bin/env bash
# Whole-command benchmark of `rastagg aggregate` on the file the issue-6 goals are measured on:
# world_lzw.tif, 21600×10800 Float32, LZW + predictor 2, strips, ~64% nodata
# (../shared/bench/make_world.py), aggregated by factor 5.
# One interleaved round per REPEAT: six statistics (2 threads), count alone, mean alone (2
# threads), six statistics on 1 thread, and `gdal_translate -r average -outsize` (mean alone).
# Prints medians of wall time, peak RSS and CPU time (user + system), every round's wall time,
# and the ratios the goals are stated in.
# Usage: benches/aggregate.sh [WORKDIR]   (default /tmp/rastagg-bench; the input is made once;
#        BIN=path runs that binary instead of building one)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
work=${1:-/tmp/rastagg-bench}
repeat=${REPEAT:-3}
mkdir -p "$work"
input="$work/world_lzw.tif"
if [ ! -f "$input" ]; then
    /usr/bin/python3 ../shared/bench/make_world.py "$input" 21600 10800 \
        --co COMPRESS=LZW --co PREDICTOR=2 --co BIGTIFF=YES
fi
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=$(realpath "${CARGO_TARGET_DIR:-target}")/release/rastagg
fi
bin=$BIN
out="$work/out"

# Runs a command on a fresh output directory: "seconds maxrss_kb cpu_seconds".
run() {
    rm -rf "$out"
    measure "$work/time.txt" "$@"
}

declare -A secs rss cpu
names=(six count mean six_1t gdal_mean)
for _ in $(seq "$repeat"); do
    for name in "${names[@]}"; do
        case $name in
        six) r=$(run "$bin" aggregate "$input" -o "$out" --factor 5 -q --threads 2 \
                --stats count,min,max,sum,mean,SD) ;;
        count) r=$(run "$bin" aggregate "$input" -o "$out" --factor 5 -q --threads 2 \
                --stats count) ;;
        mean) r=$(run "$bin" aggregate "$input" -o "$out" --factor 5 -q --threads 2 \
                --stats mean) ;;
        six_1t) r=$(run "$bin" aggregate "$input" -o "$out" --factor 5 -q --threads 1 \
                --stats count,min,max,sum,mean,SD) ;;
        gdal_mean) r=$(run gdal_translate -q -r average -outsize 4320 2160 \
                -co TILED=YES -co COMPRESS=DEFLATE "$input" "$work/gdal_mean.tif") ;;
        esac
        read -r s m c <<<"$r"
        secs[$name]+="$s "
        rss[$name]+="$m "
        cpu[$name]+="$c "
    done
done
printf '%-10s %8s %10s %8s  %s\n' run seconds peak_MB cpu_s 'every round (s)'
for name in "${names[@]}"; do
    s=$(tr ' ' '\n' <<<"${secs[$name]}" | grep . | median)
    m=$(tr ' ' '\n' <<<"${rss[$name]}" | grep . | median)
    c=$(tr ' ' '\n' <<<"${cpu[$name]}" | grep . | median)
    printf '%-10s %8.2f %10.0f %8.2f  %s\n' "$name" "$s" "$(awk "BEGIN{print $m/1024}")" "$c" \
        "${secs[$name]}"
    declare "med_$name=$s"
done
awk -v six="$med_six" -v count="$med_count" -v mean="$med_mean" -v one="$med_six_1t" -v gdal="$med_gdal_mean" 'BEGIN {
    printf "six/count %.2f (goal <= 1.15)\n", six / count
    printf "1 thread / 2 threads %.2f (goal >= 1.85)\n", one / six
    printf "gdal_translate mean / rastagg six %.2f (goal >= 3)\n", gdal / six
    printf "gdal_translate mean / rastagg mean %.2f\n", gdal / mean
}'
