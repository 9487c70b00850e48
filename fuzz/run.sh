#!/usr/bin/env bash
# Builds and runs each cargo-fuzz target for SECONDS (default 60), one after the other.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (needs a nightly toolchain; installs cargo-fuzz if missing)
# Honours CARGO_TARGET_DIR. Without TARGETs it runs every target in `cargo fuzz list`.
# Exits non-zero on the first crash; the crashing input is left in fuzz/artifacts/TARGET/.
# Ends with one summary line per target: executions, exec/s, coverage (cov: edges, ft:
# features), corpus size, crashes. CI (scripts/test.sh) runs every target for 24 s.
# The corpus grows in fuzz/corpus/TARGET/ (not committed); seeds are in fuzz/seeds/TARGET/.
# Environment: FUZZ_RUNS=N stops each target after N executions instead of SECONDS (long runs:
# FUZZ_RUNS=10000000 fuzz/run.sh 0); FUZZ_SANITIZER=none builds without AddressSanitizer
# (cargo fuzz's default): the core is safe Rust, so ASan finds little there, and without it
# the decoder targets run several times faster; FUZZ_TRACE_COMPARES=0 builds without
# `-sanitizer-coverage-trace-compares` (about two thirds of the connection target's time goes
# to that hook): for long runs on a corpus already grown with it, it buys throughput at the cost
# of the comparison hints that help find new branches.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
budget="${seconds}s"
[ -z "${FUZZ_RUNS:-}" ] || budget="$FUZZ_RUNS runs"
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
# One summary line per target, printed at the end (and on the way out after a crash):
# executions, exec/s, coverage (cov: edges, ft: features), corpus size, crashes.
logs="$(mktemp -d)"
summary=()
print_summary() {
    echo "== fuzz summary ($budget per target${FUZZ_SANITIZER:+, sanitizer $FUZZ_SANITIZER}${FUZZ_TRACE_COMPARES:+, trace-compares $FUZZ_TRACE_COMPARES})"
    for line in "${summary[@]}"; do echo "$line"; done
}
summarize() {  # TARGET LOG STATUS
    local target="$1" log="$2" status="$3" execs rate cov ft corp crashes
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    # The last status line: "#N DONE cov: C ft: F corp: K/..." (or the last pulse/NEW line).
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    crashes=$(grep -c '^SUMMARY: libFuzzer' "$log" || true)
    [ "$status" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes=1
    summary+=("$(printf '%-18s execs=%-10s exec/s=%-7s cov=%-6s ft=%-6s corpus=%-6s crashes=%s' \
        "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes")")
}
sanitizer=()
[ -z "${FUZZ_SANITIZER:-}" ] || sanitizer=(-s "$FUZZ_SANITIZER")
[ "${FUZZ_TRACE_COMPARES:-1}" != 0 ] || sanitizer+=(--no-trace-compares)
limit=(-max_total_time="$seconds")
[ -z "${FUZZ_RUNS:-}" ] || limit=(-runs="$FUZZ_RUNS")
for target in "${targets[@]}"; do
    echo "== fuzz $target for $budget"
    cargo +nightly fuzz build "${sanitizer[@]}" "$target"
    corpus="corpus/$target"
    mkdir -p "$corpus"
    seeds=()
    if [ -d "seeds/$target" ]; then
        seeds=("seeds/$target")
    fi
    log="$logs/$target.log"
    status=0
    cargo +nightly fuzz run "${sanitizer[@]}" "$target" "$corpus" "${seeds[@]}" -- "${limit[@]}" -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1 | tee "$log" || status=$?
    summarize "$target" "$log" "$status"
    if [ "$status" -ne 0 ]; then
        print_summary
        echo "== fuzz: $target crashed (exit $status); the input is in fuzz/artifacts/$target/" >&2
        exit "$status"
    fi
done
print_summary
echo "== fuzz: all targets ran clean"
