#!/usr/bin/env bash
# Scheduler throughput of issue 5, in the shape of kube-scheduler's SchedulingBasic: 5,000 nodes
# (4 CPU, 32 GiB, 110 pods, Ready) and 10,000 pending pods (100m CPU, 500 MiB each), created through
# the in-process API before the scheduler starts; then the real in-memory store, API server, the
# controller runtime's shared informers and the scheduler (built-in plugins, spread profile) in one
# JVM. Prints pods bound per second from the first binding to the last (target >= 2,000 on 2 cores),
# GC time and CPU per thread group while scheduling.
# Usage: bench/run-scheduler-bench.sh [--nodes 5000] [--pods 10000] [--profile spread|binpack]
#                                     [--parallelism 0] [--bind-workers 8] [--java-opts "-Xmx3g ..."]
#   --parallelism: threads filtering and scoring per pod (0: the scheduler's default, half the cores).
# Builds the scheduler, its profiles and the benchmark offline first; starts no other process.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

java_opts="-Xmx3g -XX:+UseParallelGC"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes|--pods|--profile|--parallelism|--bind-workers|--timeout-seconds) args+=("$1" "$2"); shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

echo "building the scheduler and the benchmark" >&2
for module in bundles/scheduler bundles/scheduler-spread bundles/scheduler-binpack; do
  mvn -o -q -f "$root/$module/pom.xml" install -DskipTests
done
mvn -o -q -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(java -version 2>&1 | head -1); JVM options: $java_opts"
# shellcheck disable=SC2086
java $java_opts -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" io.karavel.bench.SchedulerBench "${args[@]}"
