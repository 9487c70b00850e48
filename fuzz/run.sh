#!/usr/bin/env bash
# Builds and runs each cargo-fuzz target for SECONDS (default 60), one after the other.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (needs a nightly toolchain; installs cargo-fuzz if missing)
# Honours CARGO_TARGET_DIR. Without TARGETs it runs every target in `cargo fuzz list`.
# Exits non-zero on the first crash; the crashing input is left in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
# A fresh machine has no cargo-fuzz: install it from crates.io (a few minutes, once).
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
if [ ${#targets[@]} -eq 0 ]; then
    # Not `mapfile < <(...)`: a failing list command would go unnoticed and zero targets "ran clean".
    list=$(cargo +nightly fuzz list) || { echo "fuzz: 'cargo +nightly fuzz list' failed" >&2; exit 1; }
    mapfile -t targets <<< "$list"
    [ -n "$list" ] || { echo "fuzz: 'cargo +nightly fuzz list' named no target" >&2; exit 1; }
fi
for target in "${targets[@]}"; do
    echo "== fuzz $target for ${seconds}s"
    cargo +nightly fuzz build "$target"
    corpus="corpus/$target"
    mkdir -p "$corpus"
    seeds=()
    if [ -d "seeds/$target" ]; then
        seeds=("seeds/$target")
    fi
    cargo +nightly fuzz run "$target" "$corpus" "${seeds[@]}" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1
done
echo "== fuzz: all targets ran clean"
