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
mkdir -p "$work"
input="$work/world_lzw.tif"
if [ ! -f "$input" ]; then
    /usr/bin/python3 ../shared/bench/make_world.py "$input" 21600 10800 \
        --co COMPRESS=LZW --co PREDICTOR=2 --co BIGTIFF=YES
fi
mosaic="$work/mosaic/mosaic.vrt"
[ -f "$mosaic" ] || /usr/bin/python3 benches/make_mosaic.py "$input" "$work/mosaic" 432 144
one="$work/world_t144.tif"
[ -f "$one" ] || gdal_translate -q -co TILED=YES -co BLOCKXSIZE=144 -co BLOCKYSIZE=144 \
    -co COMPRESS=LZW -co PREDICTOR=2 -co BIGTIFF=YES "$input" "$one"
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=$(realpath "${CARGO_TARGET_DIR:-target}")/release/rastagg
fi
out="$work/out"
six=(--factor 5 -q --stats count,min,max,sum,mean,SD)

declare -A secs rss cpu
names=(vrt one vrt_1t gdal_vrt)
for _ in $(seq "$repeat"); do
    for name in "${names[@]}"; do
        rm -rf "$out"
        case $name in
        vrt) r=$(measure "$work/time.txt" "$BIN" aggregate "$mosaic" -o "$out" --threads 2 "${six[@]}") ;;
        one) r=$(measure "$work/time.txt" "$BIN" aggregate "$one" -o "$out" --threads 2 "${six[@]}") ;;
        vrt_1t) r=$(measure "$work/time.txt" "$BIN" aggregate "$mosaic" -o "$out" --threads 1 "${six[@]}") ;;
        gdal_vrt) r=$(measure "$work/time.txt" gdal_translate -q -r average -outsize 4320 2160 \
                -co TILED=YES -co COMPRESS=DEFLATE "$mosaic" "$work/gdal_mosaic_mean.tif") ;;
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
awk -v vrt="$med_vrt" -v one="$med_one" -v gdal="$med_gdal_vrt" 'BEGIN {
    printf "VRT / one file %.2f (the VRT'"'"'s own cost)\n", vrt / one
    printf "gdal_translate mean / rastagg six, both on the VRT %.2f\n", gdal / vrt
}'
