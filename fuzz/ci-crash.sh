#!/usr/bin/env bash
# The bounded crash fuzz of CI (docs/crash-fuzzing.md): 24 iterations in sync mode, each a workload of ~1 s killed by
# SIGKILL or an in-engine crash point, then restarted and checked. About a minute on a 2-core machine; capped at 170 s.
# Uses the Release build of the solution (the test command builds it; built here when missing). The seed is
# BASALT_SEED when set, else a fresh one; the last line prints it: `crash-fuzz: iterations=N acked=M lost=0 corrupt=0 seed=S`.
# Exits non-zero on any loss, corruption or iteration that could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
dll=fuzz/Basalt.Fuzz/bin/Release/net10.0/Basalt.Fuzz.dll
server=server/Basalt.Server/bin/Release/net10.0/Basalt.Server.dll
if ! [ -f "$dll" ] || ! [ -f "$server" ]; then
  dotnet build fuzz/Basalt.Fuzz -c Release -v quiet -nologo
fi
seed=${BASALT_SEED:-$((RANDOM * 32768 + RANDOM))}
# --no-shrink: a failure prints its seed, violations and a reproducing command at once instead of spending minutes
# searching for a shorter history (run that command locally without --no-shrink).
exec timeout --kill-after=10 170 dotnet "$dll" crash --iterations 24 --seed "$seed" --durability sync --seconds-per-iteration 1.2 --no-shrink
