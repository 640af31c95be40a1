#!/usr/bin/env bash
# Whole-command benchmark of a VRT mosaic (a global mosaic behind one .vrt, in small):
# world_lzw.tif (see benches/aggregate.sh) cut into 1 250 tiles of 432 × 432 pixels, LZW +
# predictor 2 in 144 × 144 blocks (benches/make_mosaic.py), joined by gdalbuildvrt (nodata set:
# ComplexSources); against the same pixels as one file in the same blocks, so that the
# difference is the VRT's own cost; factor 5, six statistics; and `gdal_translate -r average
# -outsize` (mean alone) on the VRT. One interleaved round per REPEAT; prints medians.
# Usage: benches/mosaic.sh [WORKDIR]   (default /tmp/rastagg-bench; inputs are made there once;
#        BIN=path runs that binary instead of building one)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
work=${1:-/tmp/rastagg-bench}
repeat=${REPEAT:-3}
input=$(world_input "$work")
mosaic="$work/mosaic/mosaic.vrt"
[ -f "$mosaic" ] || /usr/bin/python3 benches/make_mosaic.py "$input" "$work/mosaic" 432 144
one="$work/world_t144.tif"
[ -f "$one" ] || gdal_translate -q -co TILED=YES -co BLOCKXSIZE=144 -co BLOCKYSIZE=144 \
    -co COMPRESS=LZW -co PREDICTOR=2 -co BIGTIFF=YES "$input" "$one"
bin=$(rastagg_bin)
out="$work/out"
six=(--factor 5 -q --stats count,min,max,sum,mean,SD)

for _ in $(seq "$repeat"); do
    timed vrt "$out" "$bin" aggregate "$mosaic" -o "$out" --threads 2 "${six[@]}"
    timed one "$out" "$bin" aggregate "$one" -o "$out" --threads 2 "${six[@]}"
    timed vrt_1t "$out" "$bin" aggregate "$mosaic" -o "$out" --threads 1 "${six[@]}"
    timed gdal_vrt "$out" gdal_translate -q -r average -outsize 4320 2160 -co TILED=YES \
        -co COMPRESS=DEFLATE "$mosaic" "$work/gdal_mosaic_mean.tif"
done
report vrt one vrt_1t gdal_vrt
awk -v vrt="$med_vrt" -v one="$med_one" -v gdal="$med_gdal_vrt" 'BEGIN {
    printf "VRT / one file %.2f (the VRT'"'"'s own cost)\n", vrt / one
    printf "gdal_translate mean / rastagg six, both on the VRT %.2f\n", gdal / vrt
}'
