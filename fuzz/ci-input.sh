#!/usr/bin/env bash
# fuzz/ci-input.sh [SECONDS]: a bounded AFL++ run of every input-fuzzing target (fuzz/afl.sh), SECONDS each
# (default 15; eleven targets, the whole step about four minutes with the one publish). One
# `input-fuzz: target=... execs=N crashes=C hangs=H` line per target; exits 1 if any target found a crash or a hang
# (its inputs are copied into fuzz/regressions/<target>/), 2 if AFL++ could not run.
set -uo pipefail
seconds=${1:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$(mktemp -d /tmp/basalt-afl-ci.XXXXXX)
targets=(json-request json-operation condition-expression key-condition-expression update-expression projection-expression
         item-decoder wal-reader segment-reader manifest-reader frame-reader)
status=0
reuse=0
for target in "${targets[@]}"; do
  BASALT_FUZZ_REUSE_BIN=$reuse bash fuzz/afl.sh "$target" "$seconds" "$out"
  rc=$?
  reuse=1
  if [ "$rc" -gt "$status" ]; then status=$rc; fi
done
rm -rf "$out"
exit $status
