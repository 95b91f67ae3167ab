#!/usr/bin/env bash
# Runs every cargo-fuzz target for a fixed time each, one after another:
#   scripts/fuzz.sh [seconds per target, default 300] [target ...]
# Needs a nightly toolchain and cargo-fuzz (`rustup toolchain install nightly`,
# `cargo install cargo-fuzz`). Corpora are kept in fuzz/corpus/<target> between runs; a crash
# stops the run and leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(config phone hal payload_tape)
fi
for t in "${targets[@]}"; do
  echo "== fuzz target $t: ${seconds} s"
  cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -print_final_stats=1
done
