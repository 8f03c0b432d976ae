#!/usr/bin/env bash
# Control-loop benchmarks of issue 5, on the built distribution: a master JVM (API server, store,
# controllers, scheduler) and a node JVM hosting hollow (simulated) nodes, on loopback.
#   1. a Deployment of 1,000 replicas over 100 hollow nodes: create -> all pods Running (target 5 s);
#   2. controller-plane cost at 10,000 pods: the master's CPU while a 10,000-replica Deployment
#      converges and while it idles with them, and its heap after GC, idle vs with 10,000 pods.
# Usage: bench/run-controller-bench.sh [--nodes 100] [--replicas 1000] [--big 10000] [--settle 30]
#                                      [--master-heap 2g]
#   --replicas 0 skips the 1,000-pod runs, --big 0 the 10,000-pod part.
#   --master-heap: the master's KARAVEL_HEAP_MAX (the launcher's default, 512m, is too small for
#   10,000 pods: see docs/PERFORMANCE.md).
# Needs the distribution built (karaf-dist/target/karavel-*.tar.gz); each instance runs from its own
# unpacked copy in a temp directory, with free ports, and is stopped by pid at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

nodes=100
replicas=1000
big=10000
settle=30
master_heap=2g
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --big) big=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --master-heap) master_heap=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

archive="$(ls "$root"/karaf-dist/target/karavel-*.tar.gz 2>/dev/null | head -1 || true)"
[ -n "$archive" ] || { echo "no karaf-dist/target/karavel-*.tar.gz: build the distribution first" >&2; exit 1; }

echo "building the benchmark" >&2
mvn -o -q -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

work="$(mktemp -d /var/tmp/karavel-controller-bench.XXXXXX)"
cp "$archive" "$work/karavel.tar.gz"
echo "work directory: $work" >&2
# shellcheck source=lib/instances.sh
source "$here/lib/instances.sh"

failed=1
cleanup() {
  set +e
  local i
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_pid "${started_pids[$i]}"; done
  if [ "$failed" = 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap cleanup EXIT

{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $(java -version 2>&1 | head -1); distribution $(basename "$archive")"
}

api_port=$(free_port)
start_instance master master KARAVEL_API_PORT="$api_port" KARAVEL_HEAP_MAX="$master_heap"
master_pid=$instance_pid
master_api="http://127.0.0.1:$api_port"
await_api "$master_api" "$instance_home" "$master_pid"
kubeconfig="$instance_home/etc/kubeconfig"

prefix="hollow-$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')"
# the hollow nodes stand for $nodes node agents in one JVM: give it their heap (256m is one agent's)
start_instance hollow-nodes node KARAVEL_HEAP_MAX=1g KARAVEL_RUNTIME=simulated KARAVEL_NODE_NAME="$prefix" \
  KARAVEL_SIMULATED_NODES="$nodes" KARAVEL_API_SERVER="$master_api" KARAVEL_PROXY_ENABLED=false
ops() { java -Xmx256m -cp "$classpath" io.karavel.bench.NodeBenchOps "$@" --kubeconfig "$kubeconfig"; }
ops wait-hollow-nodes --prefix "$prefix-" --count "$nodes" --timeout-seconds 600
echo "$nodes hollow nodes Ready; settling ${settle}s" >&2
sleep "$settle"
idle_heap=$(heap_used_after_gc_kb "$master_pid")

bench() { java -Xmx512m -cp "$classpath" io.karavel.bench.DeploymentBench --kubeconfig "$kubeconfig" "$@"; }
echo
echo "Deployment create -> every pod Running and Ready (the Deployment's readyReplicas), $nodes hollow nodes (seconds):"
echo
echo "| replicas | first pod Running | all ready | pods/s | target met (5 s for 1,000) |"
echo "|---------:|------------------:|----------:|-------:|---|"
if [ "$replicas" -gt 0 ]; then
  bench --replicas "$replicas" --name "web-$replicas" --target-seconds 5
  # once more on a warm JVM
  bench --replicas "$replicas" --name "web-$replicas-b" --target-seconds 5
fi

if [ "$big" -gt 0 ]; then
  before=$(cpu_ticks "$master_pid"); t0=$(date +%s%3N)
  bench --replicas "$big" --name "web-$big" --keep --timeout-seconds 1200
  after=$(cpu_ticks "$master_pid"); t1=$(date +%s%3N)
  converge_cpu=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", (b - a) / 100 }')
  converge_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
  sleep "$settle"
  before=$(cpu_ticks "$master_pid"); t0=$(date +%s%3N)
  sleep "$settle"
  after=$(cpu_ticks "$master_pid"); t1=$(date +%s%3N)
  idle_cores=$(awk -v a="$before" -v b="$after" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.3f", (b - a) / 100 / ((e - s) / 1000) }')
  big_heap=$(heap_used_after_gc_kb "$master_pid")
  big_rss=$(rss_kb "$master_pid")
  echo
  echo "Master JVM (API server + store + controllers + scheduler; -Xmx$master_heap) with $big pods:"
  echo
  echo "| measure | value |"
  echo "|---|---:|"
  echo "| CPU to converge the $big-replica Deployment | ${converge_cpu} s CPU over ${converge_s} s |"
  echo "| CPU idle with $big pods (${settle} s) | ${idle_cores} cores |"
  echo "| heap used after GC, 0 pods | $(mib "$idle_heap") MiB |"
  echo "| heap used after GC, $big pods | $(mib "$big_heap") MiB |"
  echo "| heap per pod (all master components) | $(awk -v a="$idle_heap" -v b="$big_heap" -v n="$big" 'BEGIN { printf "%.1f KiB", (b - a) / n }') |"
  echo "| RSS with $big pods | $(mib "$big_rss") MiB |"
  # hollow nodes run no processes: stopping the JVMs (cleanup) leaves nothing behind
fi
failed=0
