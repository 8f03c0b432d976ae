#!/usr/bin/env bash
# Service proxy benchmark of issue 6, on the built distribution: an all-in-one Karavel, one backend
# pod behind a Service, and a closed-loop client on the host that measures requests/s and p50/p99
# latency to the pod directly (its pod IP) and through the proxy (the Service's ClusterIP), phases
# alternating in the same run (targets: proxy latency <= 1.3x direct, throughput >= 0.8x direct).
#   http: busybox httpd, HTTP/1.0 GET on a fresh connection per request;
#   echo: (process runtime only) a Java echo server (bench EchoServer), 64-byte messages over
#         persistent connections: the proxy's own per-message cost, the hardest case for a ratio.
# Usage: bench/run-proxy-bench.sh [--runtime process|podman] [--connections 1,8] [--seconds 10]
#                                 [--rounds 2] [--only http,echo]
# Needs the distribution built (karaf-dist/target/karavel-*.tar.gz); the instance runs from its own
# unpacked copy in a temp directory, with free ports, and is stopped by pid at the end (its pods are
# deleted through the API first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

runtime=process
connections=1,8
seconds=10
rounds=2
only="http,echo"
while [ $# -gt 0 ]; do
  case "$1" in
    --runtime) runtime=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
wants() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
if [ "$runtime" != process ] && wants echo; then
  echo "echo traffic needs the process runtime (its backend is a Java process); measuring http only" >&2
  only=http
fi

archive="$(ls "$root"/karaf-dist/target/karavel-*.tar.gz 2>/dev/null | head -1 || true)"
[ -n "$archive" ] || { echo "no karaf-dist/target/karavel-*.tar.gz: build the distribution first" >&2; exit 1; }

echo "building the benchmark" >&2
mvn -o -q -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"
java_bin="$(readlink -f "$(command -v java)")"

work="$(mktemp -d /var/tmp/karavel-proxy-bench.XXXXXX)"
cp "$archive" "$work/karavel.tar.gz"
echo "work directory: $work" >&2
# shellcheck source=lib/instances.sh
source "$here/lib/instances.sh"

failed=1
kubeconfig=""
cleanup() {
  set +e
  if [ -n "$kubeconfig" ]; then
    kubectl --kubeconfig "$kubeconfig" delete namespace proxy-bench --wait=false >/dev/null 2>&1
    for _ in $(seq 1 300); do
      [ -z "$(kubectl --kubeconfig "$kubeconfig" get pods -n proxy-bench -o name 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  local i
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_pid "${started_pids[$i]}"; done
  if [ "$failed" = 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap cleanup EXIT

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(java -version 2>&1 | head -1); distribution $(basename "$archive"); runtime $runtime"

api_port=$(free_port)
start_instance aio all-in-one KARAVEL_API_PORT="$api_port" KARAVEL_RUNTIME="$runtime" KARAVEL_NODE_NAME=proxy-bench-node
aio_pid=$instance_pid
await_api "http://127.0.0.1:$api_port" "$instance_home" "$aio_pid"
kubeconfig="$instance_home/etc/kubeconfig"
k() { kubectl --kubeconfig "$kubeconfig" "$@"; }

# backend <name> <port> <command...>: one pod running the command, and a Service in front of it
backend() {
  local name=$1 port=$2 command=$3
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $name, namespace: proxy-bench}
spec:
  selector: {app: $name}
  ports: [{port: $port, targetPort: $port}]
---
apiVersion: v1
kind: Pod
metadata: {name: $name, namespace: proxy-bench, labels: {app: $name}}
spec:
  containers:
  - name: server
    image: localhost/busybox:latest
    imagePullPolicy: Never
    env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
    command: [sh, -c, '$command']
    readinessProbe: {tcpSocket: {port: $port}, periodSeconds: 1}
YAML
  k wait --for=condition=Ready "pod/$name" -n proxy-bench --timeout=120s >/dev/null
  for _ in $(seq 1 100); do
    [ -n "$(k get endpointslices -n proxy-bench -l kubernetes.io/service-name="$name" -o jsonpath='{.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}')" ] && break
    sleep 0.1
  done
  pod_ip=$(k get pod "$name" -n proxy-bench -o jsonpath='{.status.podIP}')
  cluster_ip=$(k get service "$name" -n proxy-bench -o jsonpath='{.spec.clusterIP}')
}

k create namespace proxy-bench >/dev/null
# bench ARGS...: once per --connections value (1: latency without queueing; 8: the 2 cores saturated)
bench() {
  local c
  for c in ${connections//,/ }; do
    java -Xmx256m -cp "$classpath" io.karavel.bench.ProxyBench --pid "$aio_pid" --connections "$c" --seconds "$seconds" \
      --rounds "$rounds" "$@"
    echo
  done
}

if wants http; then
  backend httpd 8080 'd=/tmp/proxy-bench-$POD_IP && mkdir -p $d && echo hello > $d/index.html && exec busybox httpd -f -p $POD_IP:8080 -h $d'
  echo; echo "HTTP/1.0, one connection per request, busybox httpd on $runtime (pod $pod_ip, ClusterIP $cluster_ip):"; echo
  bench --mode http --direct "$pod_ip:8080" --service "$cluster_ip:8080"
fi
if wants echo; then
  backend echo 9000 "exec $java_bin -Xmx64m -XX:TieredStopAtLevel=1 -cp $here/target/classes io.karavel.bench.EchoServer \$POD_IP 9000"
  echo; echo "64-byte echo over persistent connections, Java echo server on $runtime (pod $pod_ip, ClusterIP $cluster_ip):"; echo
  bench --mode echo --direct "$pod_ip:9000" --service "$cluster_ip:9000"
fi
failed=0
