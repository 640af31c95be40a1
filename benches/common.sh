# Shared by the whole-command benchmark scripts (sourced, not run).

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Runs a command (output discarded) under /usr/bin/time, its timing in file $1; prints
# "wall_seconds peak_rss_kb cpu_seconds" (CPU = user + system).
measure() {
    local t=$1
    shift
    /usr/bin/time -f '%e %M %U %S' -o "$t" "$@" >/dev/null 2>&1
    awk '{print $1, $2, $3 + $4}' "$t"
}
