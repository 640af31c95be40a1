#!/usr/bin/env bash
# Fails if any crate that the workspace builds, for the Linux targets rastagg ships, compiles C
# or links a native library.
#
# Edges: normal (what ends up in the binary), build (build scripts: where cc/cmake/bindgen
# compile C) and dev (tests and benches: CI builds those too, so they must not need a C
# toolchain either). Targets: the two we ship; `--target all` would also list Windows/wasm-only
# crates (windows-sys, js-sys) that are never compiled here.
# Two checks: crate names (cc, cmake, pkg-config, bindgen, vcpkg, any *-sys) and Cargo's
# `links` key, which every crate linking a native library must declare.
# Allowed by name: linux-raw-sys (rustix's raw Linux syscall numbers and structs, pure Rust,
# no build script, no `links`: it replaces libc rather than linking it; dev-only, via
# proptest -> tempfile -> rustix). Allowed `links`: rayon-core, whose key names no library (an
# empty build script; it only stops two rayon-core versions from meeting in one build).
set -euo pipefail
cd "$(dirname "$0")/.."

bad=0
for target in x86_64-unknown-linux-gnu x86_64-unknown-linux-musl; do
    names=$(cargo tree --workspace -e normal,build,dev --target "$target" --prefix none \
        --format '{p}' | awk '{print $1}' | sort -u)
    found=$(grep -E -x -- 'cc|cmake|pkg-config|bindgen|vcpkg|.*-sys' <<<"$names" |
        grep -v -x 'linux-raw-sys' || true)
    if [ -n "$found" ]; then
        echo "C or native-library crates in the $target tree:"
        for c in $found; do
            cargo tree --workspace -e normal,build,dev --target "$target" -i "$c"
        done
        bad=1
    fi
    links=$(cargo metadata --format-version 1 --filter-platform "$target" |
        python3 -c '
import json, sys
m = json.load(sys.stdin)
used = {n["id"] for n in m["resolve"]["nodes"]}
print(" ".join(p["name"] + "(links=" + p["links"] + ")" for p in m["packages"]
               if p["id"] in used and p.get("links") and p["name"] != "rayon-core"))')
    if [ -n "$links" ]; then
        echo "crates declaring a native library for $target: $links"
        bad=1
    fi
done
[ "$bad" = 0 ] && echo "pure Rust: no crate compiles C or links a native library"
exit "$bad"
