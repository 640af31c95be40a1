# Shared by the whole-command benchmark scripts (sourced from the repository root, not run).

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The benchmark input of the aggregate goals in folder $1 (made there once): its path.
world_input() {
    local input="$1/world_lzw.tif"
    mkdir -p "$1"
    if [ ! -f "$input" ]; then
        /usr/bin/python3 ../shared/bench/make_world.py "$input" 21600 10800 \
            --co COMPRESS=LZW --co PREDICTOR=2 --co BIGTIFF=YES >&2
    fi
    echo "$input"
}

# The rastagg binary to time: $BIN, else a release build of this tree.
rastagg_bin() {
    if [ -z "${BIN:-}" ]; then
        cargo build --release -q
        BIN=$(realpath "${CARGO_TARGET_DIR:-target}")/release/rastagg
    fi
    echo "$BIN"
}

# Every round's wall seconds, peak RSS (KB) and CPU seconds, by run name.
declare -A secs rss cpu

# Times run $1: the command after it (its output discarded), with output folder $2 emptied
# first (timing and error files beside it), its wall seconds, peak RSS (KB) and CPU seconds
# (user + system) added to the run's. A command that fails stops the benchmark with its
# errors: a failed run's time is no figure.
timed() {
    local name=$1 out=$2 s m c
    shift 2
    rm -rf "$out"
    if ! /usr/bin/time -f '%e %M %U %S' -o "$out.time" "$@" >/dev/null 2>"$out.err"; then
        echo "$name failed: $*" >&2
        # The command's errors, then how it ended (time writes a signal there, not to stderr).
        cat "$out.err" "$out.time" >&2
        exit 1
    fi
    read -r s m c < <(awk '{print $1, $2, $3 + $4}' "$out.time")
    secs[$name]+="$s "
    rss[$name]+="$m "
    cpu[$name]+="$c "
}

# Prints the medians of runs $@ and every round's seconds; sets med_<run> to the median
# seconds, for the ratios.
report() {
    local name s m c
    printf '%-10s %8s %10s %8s  %s\n' run seconds peak_MB cpu_s 'every round (s)'
    for name in "$@"; do
        s=$(tr ' ' '\n' <<<"${secs[$name]}" | grep . | median)
        m=$(tr ' ' '\n' <<<"${rss[$name]}" | grep . | median)
        c=$(tr ' ' '\n' <<<"${cpu[$name]}" | grep . | median)
        printf '%-10s %8.2f %10.0f %8.2f  %s\n' "$name" "$s" "$(awk "BEGIN{print $m/1024}")" \
            "$c" "${secs[$name]}"
        declare -g "med_$name=$s"
    done
}
