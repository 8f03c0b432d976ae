#!/usr/bin/env bash
# Node benchmarks of issue 4, on the built distribution, master and node in two JVMs on loopback:
#   1. pod startup latency: create -> Running (and Ready=True) seen by a watch, 100 pods, 10 in flight,
#      on the process runtime and on podman (image localhost/busybox:latest, already local);
#   2. node agent memory (VmRSS, heap used after GC): idle, and with 50 running pods;
#   3. memory per hollow node: node profile on the simulated runtime with 10 and with 210 hollow
#      nodes, (210 - 10) difference / 200.
# Usage: bench/run-node-bench.sh [--only process,podman,simulated] [--pods 100] [--concurrency 10]
#                                [--rss-pods 50] [--settle 30] [--hollow 10,210] [--nmt]
#                                [--node-java-opts "-XX:+UseSerialGC"] [--serial-pods 20]
#                                [--sync-period-ms 1000]
#   --serial-pods: after the 100 pods, that many more one at a time (0: none), to see the latency
#                  without queueing behind other pods.
#   --nmt: node JVMs run with -XX:NativeMemoryTracking=summary (a few MB of overhead) and the script
#          keeps `jcmd VM.native_memory summary` next to the heap histograms: what the RSS is made of.
#   --node-java-opts: EXTRA_JAVA_OPTS of the node JVMs (default: none, i.e. bin/karavel's settings).
#   --sync-period-ms: a diagnostic: the node agents' sync.period.millis (default: the shipped cfg's).
# Needs the distribution built (karaf-dist/target/karavel-*.tar.gz); it is copied and unpacked into a
# temp directory per instance (the build's own assembly is never run). Every JVM it starts gets free
# ports, is stopped by pid at the end, and its pods are deleted through the API first.
# Results: Markdown tables on stdout (also in $work/results.md); logs stay in $work on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

only="process,podman,simulated"
pods=100
concurrency=10
rss_pods=50
settle=30
hollow="10,210"
nmt=""
serial_pods=20
sync_period_ms=""
node_java_opts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --rss-pods) rss_pods=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --hollow) hollow=$2; shift 2 ;;
    --nmt) nmt=1; shift ;;
    --serial-pods) serial_pods=$2; shift 2 ;;
    --sync-period-ms) sync_period_ms=$2; shift 2 ;;
    --node-java-opts) node_java_opts=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
node_opts="$node_java_opts${nmt:+ -XX:NativeMemoryTracking=summary}"
wants() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

archive="$(ls "$root"/karaf-dist/target/karavel-*.tar.gz 2>/dev/null | head -1 || true)"
[ -n "$archive" ] || { echo "no karaf-dist/target/karavel-*.tar.gz: build the distribution first" >&2; exit 1; }

echo "building the benchmark" >&2
mvn -o -q -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

work="$(mktemp -d /var/tmp/karavel-node-bench.XXXXXX)"
cp "$archive" "$work/karavel.tar.gz"   # a snapshot: the distribution may be rebuilt meanwhile
results="$work/results.md"
rm -rf "$here/target/node-bench"
: > "$results"
echo "work directory: $work" >&2

# --- instances -------------------------------------------------------------------------------
# shellcheck source=lib/instances.sh
source "$here/lib/instances.sh"   # start_instance, stop_pid, await_api, cpu_ticks, rss_kb, mib, ...
node_homes=()       # homes of node instances (for leftovers of the runtimes)
active_runs=()      # benchmark runs whose pods may still exist
master_api=""
master_pid=""
kubeconfig=""

# the node agents' sync period, when --sync-period-ms asks for another one
prepare_instance_home() {
  if [ -n "$sync_period_ms" ] && [ "$2" = node ]; then
    sed -i "s/^sync.period.millis *=.*/sync.period.millis = $sync_period_ms/" "$1/etc/io.karavel.kubelet.cfg"
  fi
}

ops() { java -Xmx256m -cp "$classpath" io.karavel.bench.NodeBenchOps "$@" --kubeconfig "$kubeconfig"; }

# Pods a runtime still runs after its node agent stopped (only if something failed before the
# pods were deleted): the process runtime's commands by the pids it recorded, podman's pods by the
# node label the node agent gives them. Only this script's own nodes are touched.
remove_runtime_leftovers() {
  local home=$1 node=$2 f pid
  for f in "$home"/var/runtime-process/containers/*/pid; do
    [ -f "$f" ] || continue
    pid=$(head -c 64 "$f" | tr -c '0-9' ' ' | awk '{print $1}')
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q '^sleep 3600'; then
      echo "killing leftover process-runtime command $pid ($f)" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if command -v podman >/dev/null 2>&1 && [ -n "$node" ]; then
    local ids
    ids=$(podman pod ls -q --filter "label=karavel.io/node=$node" 2>/dev/null || true)
    if [ -n "$ids" ]; then
      echo "removing leftover podman pods of node $node: $ids" >&2
      # shellcheck disable=SC2086
      podman pod rm -f -t 0 $ids >/dev/null 2>&1 || true
    fi
  fi
  if [ -f "$home/var/podman/podman-service.pid" ]; then
    pid=$(tr -dc '0-9' < "$home/var/podman/podman-service.pid")
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$home/var/podman"; then
      echo "stopping the podman service $pid the node agent left running" >&2
      stop_pid "$pid"
    fi
  fi
}

failed=1
cleanup() {
  set +e
  # Pods first, through the API, while the node agents still run (they end the pods' processes).
  if [ -n "$kubeconfig" ] && [ ${#active_runs[@]} -gt 0 ] && kill -0 "$master_pid" 2>/dev/null; then
    for run in "${active_runs[@]}"; do
      [ -n "$run" ] && timeout 180 java -Xmx256m -cp "$classpath" io.karavel.bench.NodeBenchOps delete-run \
        --run "$run" --kubeconfig "$kubeconfig" --timeout-seconds 60 2>/dev/null
    done
  fi
  local i
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_pid "${started_pids[$i]}"; done
  for entry in "${node_homes[@]}"; do remove_runtime_leftovers "${entry%%|*}" "${entry#*|}"; done
  # what explains the numbers (histograms, threads, native memory) outlives the temp directory
  mkdir -p "$here/target/node-bench"
  cp "$work"/results.md "$work"/histogram-* "$work"/threads-* "$work"/nmt-* "$work"/notes.txt \
    "$here/target/node-bench/" 2>/dev/null
  echo "results, heap histograms, thread and native memory summaries: $here/target/node-bench/" >&2
  if [ "$failed" = 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap cleanup EXIT

# --- CPU -------------------------------------------------------------------------------------
podman_service_pid() {
  local f="$1/var/podman/podman-service.pid"
  if [ -f "$f" ]; then tr -dc '0-9' < "$f"; fi
}
# cpu_snapshot NODE_PID NODE_HOME: CPU ticks of the master, the node JVM and its podman service, and
# the time in ms; cpu_note LABEL BEFORE AFTER: a line in the notes with the cores each used between.
cpu_snapshot() {
  local service
  service=$(podman_service_pid "$2")
  echo "$(cpu_ticks "$master_pid") $(cpu_ticks "$1") $([ -n "$service" ] && cpu_ticks "$service" || echo 0) $(date +%s%3N)"
}
cpu_note() {
  echo "$2 $3" | awk -v label="$1" '{ s = ($8 - $4) / 1000; if (s <= 0) s = 1;
    printf "CPU, %s (%.1f s): master %.2f cores, node agent JVM %.2f cores, podman service %.2f cores\n",
      label, s, ($5 - $1) / 100 / s, ($6 - $2) / 100 / s, ($7 - $3) / 100 / s }' | tee -a "$work/notes.txt" >&2
}

# --- memory ------------------------------------------------------------------------------------

# measure PID LABEL: sets rss_before_kb, rss_after_kb, heap_used_kb, metaspace_kb, thread_count; the
# class histogram after GC goes to $work/histogram-LABEL.txt.
measure() {
  local pid=$1 label=$2 info
  rss_before_kb=$(rss_kb "$pid")
  thread_count=$(threads "$pid")
  heap_used_kb=-1; metaspace_kb=-1
  if [ -n "$jcmd" ]; then
    "$jcmd" "$pid" GC.run >/dev/null
    sleep 2
    "$jcmd" "$pid" GC.run >/dev/null
    sleep 1
    info=$("$jcmd" "$pid" GC.heap_info)
    # G1: " garbage-first heap   total 90112K, used 48231K [...]"; Serial: one such line per
    # generation ("def new generation", "tenured generation"), summed; " Metaspace  used 47364K, ..."
    heap_used_kb=$(echo "$info" | awk '/total/ && /used/ {for (i = 1; i < NF; i++) if ($i == "used") {v = $(i+1); gsub(/[^0-9]/, "", v); sum += v}} END {print sum + 0}')
    metaspace_kb=$(echo "$info" | awk '/Metaspace/ {for (i = 1; i < NF; i++) if ($i == "used") {gsub(/[^0-9]/, "", $(i+1)); print $(i+1); exit}}')
    "$jcmd" "$pid" GC.class_histogram > "$work/histogram-$label.txt" 2>&1 || true
    # threads by name, digits folded: shows what grows with pods or nodes
    "$jcmd" "$pid" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".*/\1/p' | sed 's/[0-9][0-9]*/N/g' \
      | sort | uniq -c | sort -rn > "$work/threads-$label.txt" || true
    if [ -n "$nmt" ]; then "$jcmd" "$pid" VM.native_memory summary > "$work/nmt-$label.txt" 2>&1 || true; fi
  fi
  rss_after_kb=$(rss_kb "$pid")
}

memory_rows=()
memory_row() { # what runtime count
  memory_rows+=("| $1 | $2 | $3 | $(mib "$rss_before_kb") | $(mib "$rss_after_kb") | $(mib "$heap_used_kb") | $(mib "$metaspace_kb") | $thread_count |")
  echo "memory: $1, $2, $3: RSS $(mib "$rss_before_kb") MiB, after GC $(mib "$rss_after_kb") MiB, heap used $(mib "$heap_used_kb") MiB, threads $thread_count" >&2
}

top_histogram() {
  [ -f "$work/histogram-$1.txt" ] || return 0
  echo
  echo "Heap histogram after GC, $1 (top 12 by bytes):"
  echo '```'
  sed -n '1,15p' "$work/histogram-$1.txt" | grep -v '^[0-9]*:$' | head -15
  echo '```'
}

# --- machine -----------------------------------------------------------------------------------
{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $(java -version 2>&1 | head -1); podman $(podman --version 2>/dev/null | awk '{print $3}' || echo -); distribution $(basename "$archive") built $(date -u -r "$archive" '+%H:%M UTC')"
} | tee -a "$results"

# --- master ------------------------------------------------------------------------------------
api_port=$(free_port)
start_instance master master KARAVEL_API_PORT="$api_port"
master_pid=$instance_pid
master_home=$instance_home
master_api="http://127.0.0.1:$api_port"
await_api "$master_api" "$master_home" "$master_pid"
kubeconfig="$master_home/etc/kubeconfig"
echo "master ready at $master_api" >&2

suffix=$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')

# node_phase RUNTIME TARGET_P99_MS: a node JVM on that runtime; idle memory; pod startup; memory with
# $rss_pods pods; stops the node.
node_phase() {
  local runtime=$1 target=$2 node="bench-$1-$suffix" run
  start_instance "node-$runtime" node EXTRA_JAVA_OPTS="$node_opts" KARAVEL_RUNTIME="$runtime" KARAVEL_NODE_NAME="$node" \
    KARAVEL_API_SERVER="$master_api" KARAVEL_PROCESS_IP_RANGE="127.$((150 + RANDOM % 50)).0.0/16"
  phase_pid=$instance_pid
  phase_home=$instance_home
  phase_node=$node
  local pid=$instance_pid home=$instance_home
  node_homes+=("$home|$node")
  ops wait-node --node "$node" --timeout-seconds 180 || { phase_failed "$runtime" "the node never became Ready"; return 1; }
  echo "node $node Ready; settling ${settle}s" >&2
  local before
  before=$(cpu_snapshot "$pid" "$home")
  sleep "$settle"
  cpu_note "$runtime, idle node, ${settle} s" "$before" "$(cpu_snapshot "$pid" "$home")"
  measure "$pid" "$runtime-idle"
  memory_row "node agent JVM, idle" "$runtime" 0

  run="startup-$runtime-$suffix"
  active_runs+=("$run")
  before=$(cpu_snapshot "$pid" "$home")
  java -Xmx512m -cp "$classpath" io.karavel.bench.PodStartupBench --kubeconfig "$kubeconfig" \
    --node "$node" --runtime "$runtime" --pods "$pods" --concurrency "$concurrency" \
    --target-p99-ms "$target" --run "$run" --timeout-seconds 600 | tee -a "$results" \
    || { phase_failed "$runtime" "the pod startup benchmark failed"; return 1; }
  cpu_note "$runtime, $pods pods started ($concurrency in flight) and deleted" "$before" "$(cpu_snapshot "$pid" "$home")"

  # the same one pod at a time: the latency without queueing behind other pods (diagnostic)
  if [ "$serial_pods" -gt 0 ]; then
    run="serial-$runtime-$suffix"
    active_runs+=("$run")
    java -Xmx512m -cp "$classpath" io.karavel.bench.PodStartupBench --kubeconfig "$kubeconfig" \
      --node "$node" --runtime "$runtime" --pods "$serial_pods" --concurrency 1 \
      --target-p99-ms "$target" --run "$run" --timeout-seconds 600 | tee -a "$results" \
      || { phase_failed "$runtime" "the one-at-a-time pod startup benchmark failed"; return 1; }
  fi

  run="rss-$runtime-$suffix"
  active_runs+=("$run")
  ops create-pods --node "$node" --count "$rss_pods" --run "$run" --timeout-seconds 600 \
    || { phase_failed "$runtime" "$rss_pods pods did not all reach Running"; return 1; }
  echo "$rss_pods pods Running; settling ${settle}s" >&2
  before=$(cpu_snapshot "$pid" "$home")
  sleep "$settle"
  cpu_note "$runtime, $rss_pods pods Running (idle), ${settle} s" "$before" "$(cpu_snapshot "$pid" "$home")"
  measure "$pid" "$runtime-$rss_pods-pods"
  memory_row "node agent JVM, $rss_pods pods Running" "$runtime" "$rss_pods"
  if [ "$runtime" = podman ] && [ -f "$home/var/podman/podman-service.pid" ]; then
    local service
    service=$(tr -dc '0-9' < "$home/var/podman/podman-service.pid")
    [ -n "$service" ] && echo "podman system service (pid $service, not the JVM) RSS with $rss_pods pods: $(mib "$(rss_kb "$service")") MiB" | tee -a "$work/notes.txt" >&2
  fi
  ops delete-run --run "$run" --timeout-seconds 600 || { phase_failed "$runtime" "the pods were not deleted"; return 1; }
  active_runs=()   # both runs' pods are gone
  stop_pid "$pid"
  remove_runtime_leftovers "$home" "$node"
}

# A runtime's phase that failed: say so in the results (with the node's first errors), delete its
# pods while the node agent still runs, stop it, and go on with the next phase.
phase_failed() {
  local runtime=$1 why=$2 run
  echo "runtime $runtime: not measured further: $why; first errors of its node agent:" | tee -a "$work/notes.txt" >&2
  grep -m 3 ' ERROR ' "$phase_home/data/log/karaf.log" 2>/dev/null | cut -c 1-300 | sed 's/^/    /' | tee -a "$work/notes.txt" >&2
  for run in "${active_runs[@]}"; do
    ops delete-run --run "$run" --timeout-seconds 120 || true
  done
  active_runs=()
  stop_pid "$phase_pid"
  remove_runtime_leftovers "$phase_home" "$phase_node"
}

if wants process; then node_phase process 500 || true; fi
if wants podman; then
  if command -v podman >/dev/null 2>&1 && podman image exists localhost/busybox:latest; then
    node_phase podman 2000 || true
  else
    echo "podman or localhost/busybox:latest missing (scripts/build-busybox-image.sh): podman not measured" | tee -a "$results" >&2
  fi
fi

# --- hollow nodes -----------------------------------------------------------------------------
hollow_rows=()
if wants simulated; then
  declare -A hollow_heap hollow_rss hollow_rss_before
  IFS=, read -r -a hollow_counts <<< "$hollow"
  for count in "${hollow_counts[@]}"; do
    prefix="hollow$count-$suffix"
    start_instance "node-hollow-$count" node EXTRA_JAVA_OPTS="$node_opts" KARAVEL_RUNTIME=simulated KARAVEL_NODE_NAME="$prefix" \
      KARAVEL_SIMULATED_NODES="$count" KARAVEL_API_SERVER="$master_api" KARAVEL_PROXY_ENABLED=false
    pid=$instance_pid
    ops wait-hollow-nodes --prefix "$prefix-" --count "$count" --timeout-seconds 600
    echo "$count hollow nodes Ready and renewed; settling ${settle}s" >&2
    before=$(cpu_snapshot "$pid" "$instance_home")
    sleep "$settle"
    cpu_note "simulated, $count hollow nodes, ${settle} s" "$before" "$(cpu_snapshot "$pid" "$instance_home")"
    measure "$pid" "hollow-$count"
    memory_row "node agent JVM, $count hollow nodes" simulated "$count nodes"
    hollow_heap[$count]=$heap_used_kb
    hollow_rss[$count]=$rss_after_kb
    hollow_rss_before[$count]=$rss_before_kb
    stop_pid "$pid"
  done
  if [ ${#hollow_counts[@]} -ge 2 ]; then
    low=${hollow_counts[0]}
    high=${hollow_counts[${#hollow_counts[@]} - 1]}
    per() { awk -v a="$1" -v b="$2" -v n="$((high - low))" 'BEGIN { printf "%.2f", (b - a) / n / 1024 }'; }
    met=$(awk -v a="${hollow_heap[$low]}" -v b="${hollow_heap[$high]}" -v n="$((high - low))" 'BEGIN { print ((b - a) / n / 1024 <= 2 ? "yes" : "**no**") }')
    hollow_rows+=("| heap used after GC | $(per "${hollow_heap[$low]}" "${hollow_heap[$high]}") | 2 | $met |")
    hollow_rows+=("| RSS after GC | $(per "${hollow_rss[$low]}" "${hollow_rss[$high]}") | 2 | - |")
    hollow_rows+=("| RSS before GC | $(per "${hollow_rss_before[$low]}" "${hollow_rss_before[$high]}") | 2 | - |")
  fi
fi

# --- tables ------------------------------------------------------------------------------------
{
  echo
  echo "Node agent JVM memory (MiB; target: RSS <= 150 MB idle and with $rss_pods pods):"
  echo
  echo "| JVM state | runtime | pods / nodes | RSS | RSS after GC | heap used after GC | metaspace used | threads |"
  echo "|-----------|---------|-------------:|----:|-------------:|-------------------:|---------------:|--------:|"
  printf '%s\n' "${memory_rows[@]}"
  if [ ${#hollow_rows[@]} -gt 0 ]; then
    echo
    echo "Memory per hollow node, ($high - $low) nodes difference / $((high - low)) (MiB per node):"
    echo
    echo "| measure | MiB per node | target | met |"
    echo "|---------|-------------:|-------:|-----|"
    printf '%s\n' "${hollow_rows[@]}"
  fi
  [ -f "$work/notes.txt" ] && { echo; cat "$work/notes.txt"; }
  for h in process-$rss_pods-pods podman-$rss_pods-pods hollow-${hollow##*,}; do top_histogram "$h"; done
} | tee -a "$results"

stop_pid "$master_pid"
failed=0
