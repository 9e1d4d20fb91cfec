#!/usr/bin/env bash
# fuzz/afl.sh TARGET SECONDS [OUT]
# Runs one input-fuzzing target (`dotnet run --project fuzz/Basalt.Fuzz -- target --list`) under AFL++ for SECONDS.
# - Installs only what is missing: the sharpfuzz instrumenter (SharpFuzz.CommandLine 2.3.0, the local tool manifest
#   .config/dotnet-tools.json) and afl-fuzz (Debian's afl++, when running as root).
# - Publishes the fuzz project into OUT/bin, a folder of its own, and instruments Basalt.Engine.dll and
#   Basalt.Protocol.dll and Basalt.Server.dll there: the assemblies the tests use (bin/ of each project) are never instrumented.
#   BASALT_FUZZ_REUSE_BIN=1 reuses an instrumented OUT/bin (fuzz/ci-input.sh publishes once for all targets).
# - Seeds from fuzz/corpus/TARGET; findings in OUT/TARGET (AFL++'s output folder).
# - Ends with `input-fuzz: target=NAME seconds=S execs=N crashes=C hangs=H`, copies each crash and hang input into
#   fuzz/regressions/TARGET/ (named by content hash; InputCorpusTests replays them) and exits 1 if there were any.
# OUT defaults to /tmp/basalt-afl. AFL_TIMEOUT_MS (default 5000) is the time limit per input.
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: fuzz/afl.sh TARGET SECONDS [OUT]" >&2; exit 2; fi
target=$1
seconds=$2
out=${3:-/tmp/basalt-afl}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ ! -d "fuzz/corpus/$target" ]; then echo "afl.sh: no seed corpus fuzz/corpus/$target" >&2; exit 2; fi

# afl-fuzz from Debian's afl++.
if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq afl++ >/dev/null
  else
    echo "afl.sh: afl-fuzz is missing (Debian package afl++; run as root to install it)" >&2
    exit 2
  fi
fi
# The instrumenter, pinned by the tool manifest.
dotnet tool restore >/dev/null

bin="$out/bin"
if [ "${BASALT_FUZZ_REUSE_BIN:-0}" != 1 ] || [ ! -f "$bin/.instrumented" ]; then
  rm -rf "$bin"
  dotnet publish fuzz/Basalt.Fuzz -c Release -o "$bin" -p:UseAppHost=false >"$out.publish.log" 2>&1 \
    || { cat "$out.publish.log" >&2; exit 2; }
  for dll in Basalt.Engine.dll Basalt.Protocol.dll Basalt.Server.dll; do
    dotnet tool run sharpfuzz "$bin/$dll" >/dev/null
  done
  touch "$bin/.instrumented"
fi

findings="$out/$target"
rm -rf "$findings"
mkdir -p "$out"
# AFL_SKIP_BIN_CHECK: the program afl-fuzz starts is `dotnet`, which carries no instrumentation itself; SharpFuzz's
# fork server inside the harness speaks AFL's protocol. AFL_NO_AFFINITY: the machine's cores are shared.
# AFL_FORKSRV_INIT_TMOUT: the runtime's start-up before the fork server answers.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
  AFL_FORKSRV_INIT_TMOUT=60000
status=0
afl-fuzz -V "$seconds" -i "fuzz/corpus/$target" -o "$findings" -m none -t "${AFL_TIMEOUT_MS:-5000}" \
  -- dotnet "$bin/Basalt.Fuzz.dll" target "$target" >"$findings.log" 2>&1 || status=$?

stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ] || [ "$status" != 0 ]; then
  tail -40 "$findings.log" >&2
  echo "input-fuzz: target=$target seconds=$seconds execs=0 crashes=0 hangs=0 error=afl-fuzz-did-not-start(exit $status)"
  exit 2
fi
stat() { awk -F: -v k="$1" '{gsub(/ /, "", $1)} $1 == k {gsub(/ /, "", $2); print $2}' "$stats"; }
execs=$(stat execs_done)
crashes=$(stat saved_crashes); crashes=${crashes:-$(stat unique_crashes)}
hangs=$(stat saved_hangs); hangs=${hangs:-$(stat unique_hangs)}
ran=$(( $(stat last_update) - $(stat start_time) ))

kept=0
for kind in crashes hangs; do
  for f in "$findings/default/$kind"/id:*; do
    [ -f "$f" ] || continue
    mkdir -p "fuzz/regressions/$target"
    name="${kind%es}-$(sha1sum "$f" | cut -c1-12)"
    [ "$kind" = hangs ] && name="hang-$(sha1sum "$f" | cut -c1-12)"
    cp "$f" "fuzz/regressions/$target/$name"
    kept=$((kept + 1))
  done
done
echo "input-fuzz: target=$target seconds=$ran execs=$execs crashes=$crashes hangs=$hangs execs_per_sec=$(stat execs_per_sec) corpus=$(stat corpus_count)"
if [ "$kept" -gt 0 ]; then
  echo "afl.sh: $kept input(s) kept in fuzz/regressions/$target/; replay: dotnet run --project fuzz/Basalt.Fuzz -c Release -- target $target --replay fuzz/regressions/$target" >&2
  exit 1
fi
exit 0
