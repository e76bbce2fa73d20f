#!/usr/bin/env bash
# Compile-time benchmark: what including labelkit costs one translation unit.
#
# Prints a markdown table of CPU time (user + sys) and peak memory (maximum resident set size, from
# GNU time) of `$CXX -std=c++20 -O2 -c` for
#   - the dependencies alone: <Eigen/Dense>, <nlohmann/json.hpp> and the standard headers labelkit
#     uses, with an empty main (the baseline every ratio divides by);
#   - the umbrella <labelkit/labelkit.hpp> with an empty main;
#   - each area's headers together (include/labelkit/<area>/*.hpp) with an empty main.
# Each translation unit is compiled RUNS times (default 2) and the minimum of each figure is kept,
# which is the least disturbed by other load on the machine. This is a benchmark: it never fails
# on a time, only when a compilation fails.
#
# Usage: benchmarks/compile_time.sh [--runs N] [--cxx COMPILER] [--flags "EXTRA FLAGS"]
#                                   [--only dependencies|umbrella|AREA ...]
# Environment: CXX (compiler, default g++), EIGEN_INCLUDE_DIR (default from pkg-config, else
# /usr/include/eigen3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=2
cxx="${CXX:-g++}"
extra_flags=""
only=()
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --cxx) cxx="$2"; shift 2 ;;
    --flags) extra_flags="$2"; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "compile_time.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ ! -x /usr/bin/time ]]; then
  echo "compile_time.sh: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 2
fi
eigen="${EIGEN_INCLUDE_DIR:-}"
if [[ -z "$eigen" ]]; then
  eigen="$(pkg-config --variable=includedir eigen3 2>/dev/null || true)"
  eigen="${eigen:+$eigen/eigen3}"
  [[ -d "$eigen" ]] || eigen=/usr/include/eigen3
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The standard headers included anywhere in include/labelkit (the baseline pays for them too).
std_headers=(algorithm array atomic cerrno charconv chrono cmath concepts condition_variable
             cstddef cstdint cstdio deque exception filesystem fstream functional
             initializer_list istream iterator limits map memory mutex numbers numeric optional
             ostream ranges set span sstream stdexcept string string_view system_error thread
             tuple type_traits unordered_map utility vector)

# measure NAME SOURCE: compiles SOURCE RUNS times; prints "cpu_seconds peak_kb" (minimum of each).
measure() {
  local name="$1" source="$2" best_cpu="" best_mem="" i
  for ((i = 0; i < runs; ++i)); do
    # shellcheck disable=SC2086
    if ! /usr/bin/time -f '%U %S %M' -o "$work/$name.time" \
        "$cxx" -std=c++20 -O2 $extra_flags -I"$root/include" -I"$eigen" -c "$source" \
        -o "$work/$name.o" 2>"$work/$name.err"; then
      echo "compile_time.sh: '$name' does not compile:" >&2
      cat "$work/$name.err" >&2
      exit 1
    fi
    read -r user sys mem < <(tail -n 1 "$work/$name.time")
    local cpu
    cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    if [[ -z "$best_cpu" ]] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
      best_cpu="$cpu"
    fi
    if [[ -z "$best_mem" ]] || ((mem < best_mem)); then best_mem="$mem"; fi
  done
  echo "$best_cpu $best_mem"
}

wanted() {
  ((${#only[@]} == 0)) && return 0
  local w
  for w in "${only[@]}" dependencies; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}

names=()
sources=()
add_tu() {  # add_tu NAME LABEL HEADER...
  local name="$1" label="$2"
  shift 2
  wanted "$name" || return 0
  local source="$work/$name.cpp" h
  : >"$source"
  for h in "$@"; do printf '#include <%s>\n' "$h" >>"$source"; done
  printf 'int main() { return 0; }\n' >>"$source"
  names+=("$name")
  sources+=("$source")
  labels+=("$label")
}
labels=()

add_tu dependencies "dependencies alone (Eigen/Dense, nlohmann/json, std)" \
  Eigen/Dense nlohmann/json.hpp "${std_headers[@]}"
add_tu umbrella "labelkit/labelkit.hpp (umbrella)" labelkit/labelkit.hpp
for dir in "$root"/include/labelkit/*/; do
  area="$(basename "$dir")"
  [[ "$area" == detail ]] && continue
  # labelkit/distributed/ needs MPI's headers and is included on purpose, never by the umbrella.
  [[ "$area" == distributed ]] && continue
  headers=()
  for h in "$dir"*.hpp; do headers+=("labelkit/$area/$(basename "$h")"); done
  ((${#headers[@]})) || continue
  add_tu "$area" "labelkit/$area/*.hpp (${#headers[@]} headers)" "${headers[@]}"
done

echo "Compile time per translation unit: $("$cxx" --version | head -n 1), -std=c++20 -O2" \
     "${extra_flags:+$extra_flags }(min of $runs runs; ratios to the dependencies alone)"
echo
printf '| %-52s | %7s | %6s | %8s | %6s |\n' "what" "CPU s" "ratio" "peak MB" "ratio"
printf '| %-52s | %7s | %6s | %8s | %6s |\n' ":---" "---:" "---:" "---:" "---:"
base_cpu=""
base_mem=""
for i in "${!names[@]}"; do
  read -r cpu mem < <(measure "${names[$i]}" "${sources[$i]}")
  if [[ -z "$base_cpu" ]]; then
    base_cpu="$cpu"
    base_mem="$mem"
  fi
  awk -v label="${labels[$i]}" -v c="$cpu" -v m="$mem" -v bc="$base_cpu" -v bm="$base_mem" \
    'BEGIN { printf "| %-52s | %7.2f | %5.2fx | %8.0f | %5.2fx |\n", label, c,
             (bc > 0 ? c / bc : 0), m / 1024, (bm > 0 ? m / bm : 0) }'
done
