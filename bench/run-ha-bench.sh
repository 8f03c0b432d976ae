#!/usr/bin/env bash
# HA control plane benchmark of issue 8, on the built distribution, every master on loopback:
#   1. ConfigMap creates (1 KiB) through the REST API, closed loop with N writers: a single master
#      (profile master, embedded store) against a 3-master cluster (replicated store), writes sent
#      to the leader and to the followers (forwarded), in the same run;
#   2. failover: kill -9 of the leader under a steady write load sent to every master, --kills
#      times (the killed master restarted on its home and ready in between); per kill, kill -> a
#      new leader, and kill -> the next acknowledged write sent after the kill (target <= 5 s, p50
#      and max; Kubernetes' lease-based failover takes about 15-20 s). At the end every master is
#      checked to hold every acknowledged create.
# Usage: bench/run-ha-bench.sh [--kills 20] [--writers 1,8] [--seconds 15] [--masters 3] [--settle 10]
#                              [--heap 1g] [--keep]
#   --kills 0 skips the failovers; --seconds 0 the throughput rows; --settle: seconds between the
#   killed master being ready again and the next kill; --heap: each master's maximum heap (20 kills
#   leave 60,000-70,000 ConfigMaps of 1 KiB, more than the default 512m holds); --keep: keep the
#   masters' homes (logs).
# Needs the distribution built (karaf-dist/target/karavel-*.tar.gz, with store-hazelcast); each
# master runs from its own unpacked copy in a temp directory, with free ports; the benchmark kills
# them by pid (pids in $work/pids, which the cleanup below also stops).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

kills=20
writers=1,8
seconds=15
masters=3
settle=10
heap=1g
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=$2; shift 2 ;;
    --writers) writers=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --masters) masters=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --heap) heap=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

archive="$(ls "$root"/karaf-dist/target/karavel-*.tar.gz 2>/dev/null | head -1 || true)"
[ -n "$archive" ] || { echo "no karaf-dist/target/karavel-*.tar.gz: build the distribution first" >&2; exit 1; }

echo "building the benchmark" >&2
mvn -o -q -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

work="$(mktemp -d /var/tmp/karavel-ha-bench.XXXXXX)"
echo "work directory: $work" >&2
# shellcheck source=lib/instances.sh
source "$here/lib/instances.sh"

failed=1
cleanup() {
  set +e
  local pid
  # the benchmark kills its masters itself; whatever it left (interrupted) is stopped here, by pid,
  # and only if that pid still runs a master of this work directory
  if [ -f "$work/pids" ]; then
    while read -r pid; do
      grep -qF "$work" "/proc/$pid/cmdline" 2>/dev/null && stop_pid "$pid"
    done < "$work/pids"
  fi
  if [ "$failed" = 0 ] && [ "$keep" = 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap cleanup EXIT

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(java -version 2>&1 | head -1); distribution $(basename "$archive")"

java -Xmx512m -cp "$classpath" io.karavel.bench.HaBench --archive "$archive" --work "$work" \
  --masters "$masters" --kills "$kills" --writers "$writers" --seconds "$seconds" --settle-seconds "$settle" --heap "$heap"
failed=0
