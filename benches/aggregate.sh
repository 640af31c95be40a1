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
input=$(world_input "$work")
bin=$(rastagg_bin)
out="$work/out"
six=(--factor 5 -q --stats count,min,max,sum,mean,SD)

for _ in $(seq "$repeat"); do
    timed six "$out" "$bin" aggregate "$input" -o "$out" --threads 2 "${six[@]}"
    timed count "$out" "$bin" aggregate "$input" -o "$out" --factor 5 -q --threads 2 --stats count
    timed mean "$out" "$bin" aggregate "$input" -o "$out" --factor 5 -q --threads 2 --stats mean
    timed six_1t "$out" "$bin" aggregate "$input" -o "$out" --threads 1 "${six[@]}"
    timed gdal_mean "$out" gdal_translate -q -r average -outsize 4320 2160 -co TILED=YES \
        -co COMPRESS=DEFLATE "$input" "$work/gdal_mean.tif"
done
report six count mean six_1t gdal_mean
awk -v six="$med_six" -v count="$med_count" -v mean="$med_mean" -v one="$med_six_1t" -v gdal="$med_gdal_mean" 'BEGIN {
    printf "six/count %.2f (goal <= 1.15)\n", six / count
    printf "1 thread / 2 threads %.2f (goal >= 1.85)\n", one / six
    printf "gdal_translate mean / rastagg six %.2f (goal >= 3)\n", gdal / six
    printf "gdal_translate mean / rastagg mean %.2f\n", gdal / mean
}'
