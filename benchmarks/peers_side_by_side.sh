#!/usr/bin/env bash
# labelkit beside the Python peers on the same data files, in one run: the peers harness
# (modAL, fast-krippendorff, statsmodels, scikit-learn, crowd-kit, small-text; see
# ../shared/peers/README.md), then labelkit_peers_bench from the default build (-O2, no -march)
# and from the -march=native build, then one markdown table (benchmarks/peers_table.py).
#
# Usage: benchmarks/peers_side_by_side.sh [options]
#   --default-build DIR   default -O2 build dir (default: build/peers-default)
#   --native-build DIR    -march=native build dir (default: build/peers-native)
#   --no-build            use the executables as they are (do not configure or build)
#   --no-peers            do not run the peers; use the results already in $PEERS_DATA
#   --peers-only "A B"    run only the peer cases whose names contain A or B (run_all.py --only)
#   --filter REGEX        --benchmark_filter for labelkit_peers_bench (default: all cases)
#   --repetitions N       --benchmark_repetitions (default 5)
#   --min-time S          --benchmark_min_time in seconds (default: Google Benchmark's)
#   --out DIR             where the JSON, logs and table go (default: $PEERS_DATA/side_by_side)
# Environment: PEERS_DATA (default /tmp/peers-data), PEERS_DIR (default /tmp/peers),
#   PEERS_HARNESS (default: ../shared/peers beside the repository, else /work/shared/peers),
#   CMAKE_CXX_COMPILER_LAUNCHER (e.g. ccache) is honoured when configuring.
# The table is printed and written to $OUT/side_by_side.md.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
default_build="$repo/build/peers-default"
native_build="$repo/build/peers-native"
build=1
run_peers=1
peers_only=""
filter=""
repetitions=5
min_time=""
export PEERS_DATA="${PEERS_DATA:-/tmp/peers-data}"
export PEERS_DIR="${PEERS_DIR:-/tmp/peers}"
out=""
if [ -z "${PEERS_HARNESS:-}" ]; then
  if [ -x "$repo/../shared/peers/run_all.sh" ]; then PEERS_HARNESS="$repo/../shared/peers"
  else PEERS_HARNESS=/work/shared/peers; fi
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --default-build) default_build="$2"; shift 2 ;;
    --native-build) native_build="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-peers) run_peers=0; shift ;;
    --peers-only) peers_only="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
out="${out:-$PEERS_DATA/side_by_side}"
mkdir -p "$out"
load() { cut -d' ' -f1 /proc/loadavg; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# 1. Build the two executables (only labelkit_peers_bench).
configure() {  # dir, extra cmake args...
  local dir="$1"; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DLABELKIT_BUILD_TESTS=OFF -DLABELKIT_BUILD_EXAMPLES=OFF -DLABELKIT_HEADER_CHECK=OFF \
      -DLABELKIT_BUILD_BENCHMARKS=ON "$@" >"$out/configure-$(basename "$dir").log"
  fi
}
if [ "$build" = 1 ]; then
  log "building labelkit_peers_bench in $default_build and $native_build"
  configure "$default_build" -DLABELKIT_BENCHMARK_NATIVE=OFF
  configure "$native_build" -DLABELKIT_BENCHMARK_NATIVE=ON
  cmake --build "$default_build" --target labelkit_peers_bench -j2 >"$out/build-default.log"
  cmake --build "$native_build" --target labelkit_peers_bench -j2 >"$out/build-native.log"
fi
for dir in "$default_build" "$native_build"; do
  [ -x "$dir/benchmarks/labelkit_peers_bench" ] || {
    echo "missing $dir/benchmarks/labelkit_peers_bench" >&2; exit 1; }
done

load_start="$(load)"

# 2. The peers (data generated first if absent).
have_data=1
for name in proba_1m_10 committee_5x200k_10 emb_50k_128 reliability_10x100k fleiss_100k_5 \
  crowd_100k crowd_100k_truth; do
  [ -f "$PEERS_DATA/$name.bin" ] && [ -f "$PEERS_DATA/$name.json" ] || have_data=0
done
peers_results="$PEERS_DATA/results.json"
[ -n "$peers_only" ] && peers_results="$PEERS_DATA/results.partial.json"
if [ "$run_peers" = 1 ]; then
  args=()
  [ "$have_data" = 1 ] && args+=(--no-gen)
  # shellcheck disable=SC2206  # case-name substrings, split on spaces on purpose
  [ -n "$peers_only" ] && args+=(--only $peers_only)
  log "peers: $PEERS_HARNESS/run_all.sh ${args[*]} (log: $out/peers.log)"
  "$PEERS_HARNESS/run_all.sh" "${args[@]}" >"$out/peers.log" 2>&1 ||
    log "some peer cases failed (see $out/peers.log); continuing"
elif [ "$have_data" = 0 ]; then
  echo "no data in $PEERS_DATA: run without --no-peers (the harness generates it)" >&2; exit 1
fi
load_peers="$(load)"

# 3. labelkit, default build then native build, same flags.
bench_args=(--benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only=true
  --benchmark_out_format=json)
[ -n "$filter" ] && bench_args+=(--benchmark_filter="$filter")
[ -n "$min_time" ] && bench_args+=(--benchmark_min_time="$min_time")
log "labelkit default -O2 build"
LABELKIT_PEERS_ANSWERS="$out/answers-default.json" "$default_build/benchmarks/labelkit_peers_bench" \
  "${bench_args[@]}" --benchmark_out="$out/labelkit-default.json" >"$out/labelkit-default.log" 2>&1
load_default="$(load)"
log "labelkit -march=native build"
LABELKIT_PEERS_ANSWERS="$out/answers-native.json" "$native_build/benchmarks/labelkit_peers_bench" \
  "${bench_args[@]}" --benchmark_out="$out/labelkit-native.json" >"$out/labelkit-native.log" 2>&1
load_end="$(load)"

# 4. The table.
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
python3 "$repo/benchmarks/peers_table.py" --peers "$peers_results" \
  --default "$out/labelkit-default.json" --native "$out/labelkit-native.json" \
  --answers "$out/answers-default.json" --native-answers "$out/answers-native.json" --data "$PEERS_DATA" --commit "$commit" \
  --load "start $load_start" "after the peers $load_peers" "after labelkit default $load_default" \
  "end $load_end" | tee "$out/side_by_side.md"
log "wrote $out/side_by_side.md"
