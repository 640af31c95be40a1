#!/usr/bin/env bash
# Whole-file decode throughput: `rastagg info --checksum` (decodes every pixel and checksums it)
# against `gdalinfo -checksum` (the same work in GDAL), on the two benchmark layouts of issue 2:
#   world_lzw.tif      21600×10800 Float32, LZW + predictor 2, strips   (../shared/bench/make_world.py)
#   world_deflate.tif  the same pixels, tiled 256², Deflate + predictor 3
# Runs interleaved (ours 1 thread, ours all threads, GDAL) REPEAT times and prints medians.
# Usage: benches/decode.sh [WORKDIR] (default /tmp/rastagg-bench; inputs are made there once).
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
work=${1:-/tmp/rastagg-bench}
repeat=${REPEAT:-3}
mkdir -p "$work"

world_input "$work" >/dev/null
if [ ! -f "$work/world_deflate.tif" ]; then
    gdal_translate -q -co TILED=YES -co COMPRESS=DEFLATE -co PREDICTOR=3 -co BIGTIFF=YES \
        "$work/world_lzw.tif" "$work/world_deflate.tif"
fi
cargo build --release -q
bin=${CARGO_TARGET_DIR:-target}/release/rastagg

# Seconds taken by a command (output discarded).
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk "BEGIN{print $t1 - $t0}"; }

mb=$(awk 'BEGIN{print 21600 * 10800 * 4 / 1e6}')   # decoded MB per file
printf '%-18s %12s %12s %12s %10s %10s\n' file ours_1t_s ours_all_s gdal_s 'MB/s 1t' 'gdal/ours1'
for f in world_lzw world_deflate; do
    o1=(); on=(); g=()
    for _ in $(seq "$repeat"); do
        o1+=("$(RAYON_NUM_THREADS=1 secs "$bin" info --checksum "$work/$f.tif")")
        on+=("$(secs "$bin" info --checksum "$work/$f.tif")")
        g+=("$(secs gdalinfo -checksum "$work/$f.tif")")
    done
    m1=$(printf '%s\n' "${o1[@]}" | median)
    mn=$(printf '%s\n' "${on[@]}" | median)
    mg=$(printf '%s\n' "${g[@]}" | median)
    printf '%-18s %12.2f %12.2f %12.2f %10.0f %10.2f\n' "$f" "$m1" "$mn" "$mg" \
        "$(awk "BEGIN{print $mb / $m1}")" "$(awk "BEGIN{print $mg / $m1}")"
done
