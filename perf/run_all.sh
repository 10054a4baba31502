#!/usr/bin/env bash
# perf/run_all.sh [--quick]
#
# Runs compare.py (throughput), srvcost.py (server CPU per request) and
# memprobe.py (memory per key), each against a freshly started rkvd and
# redis-server, and prints all tables as Markdown on stdout, ready to paste
# into a README. Progress goes to stderr; raw JSON of every step is kept in
# $PERF_OUT (default: a new temporary directory, printed at the end).
#
#   --quick    fewer rounds / requests / keys (a few minutes; rougher figures)
#
# Environment:
#   PYTHON         interpreter for the scripts (default python3)
#   PERF_OUT       directory for the JSON results
#   COMPARE_ARGS, SRVCOST_ARGS, MEMPROBE_ARGS   extra arguments per script
#   RKVD_PERF_CMD, REDIS_PERF_CMD                see servers.py
#
# Exit status is non-zero if any step failed; later steps still run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
OUT=${PERF_OUT:-$(mktemp -d -t rkvd-perf.XXXXXX)}
mkdir -p "$OUT"

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ $quick == 1 ]]; then
  C_ARGS=(--rounds 3 -n 1:30000,16:300000)
  S_ARGS=(--rounds 1 -n 1:100000,16:500000)
  M_ARGS=(--scale 0.1)
else
  C_ARGS=(); S_ARGS=(); M_ARGS=()
fi
# shellcheck disable=SC2206
C_ARGS+=(${COMPARE_ARGS:-}); S_ARGS+=(${SRVCOST_ARGS:-}); M_ARGS+=(${MEMPROBE_ARGS:-})

status=0
run_step() {  # run_step TITLE JSON SCRIPT ARGS...
  local title=$1 json=$2 script=$3; shift 3
  echo "### $title"
  echo
  local t0=$SECONDS
  echo "# $script $*" >&2
  if ! "$PY" "$HERE/$script" --markdown --json "$OUT/$json" "$@"; then
    echo
    echo "_$script failed (see stderr)._"
    status=1
  fi
  echo
  echo "# $script took $((SECONDS - t0))s" >&2
}

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
redis_ver=$(redis-server --version 2>/dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')
rkvd_ver=$(cd "$HERE/.." && "$PY" -c 'import rkvd; print(rkvd.__version__)' 2>/dev/null || echo '?')

echo "## rkvd $rkvd_ver vs redis-server ${redis_ver:-?}"
echo
echo "Measured $(date '+%Y-%m-%d %H:%M') on $(nproc) CPUs (${cpu:-unknown CPU}), load average at start" \
     "$(cut -d' ' -f1-3 /proc/loadavg). Both servers run side by side with" \
     "\`--save '' --appendonly no\`; every figure is a ratio against redis-server measured in the" \
     "same interleaved run.${RKVD_PERF_CMD:+ rkvd side command: \`$RKVD_PERF_CMD\`.}"
echo

run_step "Throughput (redis-benchmark, rps)" compare.json compare.py "${C_ARGS[@]}"
run_step "Server CPU per request" srvcost.json srvcost.py "${S_ARGS[@]}"
run_step "Memory per key" memprobe.json memprobe.py "${M_ARGS[@]}"

echo "# JSON results in $OUT" >&2
exit $status
