#!/usr/bin/env bash
# Runs fuzz targets one after the other, each for SECONDS (default 30), with the limits the
# project holds them to: 2 GiB of memory, 10 s per input. Seeds come from make_corpus.py.
#   fuzz/run.sh [SECONDS] [TARGET...]     (default: every target)
# Needs the nightly toolchain and cargo-fuzz. Exits non-zero on the first crash; the input is
# left in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
python3 make_corpus.py
for t in "${targets[@]}"; do
    dict=()
    [ -f "dicts/$t.dict" ] && dict=("-dict=dicts/$t.dict")
    echo "==> fuzz $t for ${secs}s"
    cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
        -malloc_limit_mb=2048 -timeout=10 -max_len=1048576 -print_final_stats=1 "${dict[@]}"
done
