#!/usr/bin/env bash
# Durable 1 KiB creates: Karavel's MapDB store vs etcd 3.4, 1/16/64 writers, same run.
# Usage: bench/run-store-bench.sh [--seconds N] [--writers 1,16,64]
# Installs etcd-server from Debian if etcd is missing, starts its own etcd on loopback (free
# ports, temp data dir, default fsync settings) and stops it by pid at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

if ! command -v etcd >/dev/null 2>&1; then
  echo "etcd not found: installing Debian's etcd-server" >&2
  apt-get update -q >/dev/null && apt-get install -y -q etcd-server >/dev/null
fi

echo "building the store and the benchmark" >&2
mvn -q -f "$root/pom.xml" -N install
mvn -q -f "$root/bundles/api/pom.xml" install -DskipTests
mvn -q -f "$root/bundles/store-mapdb/pom.xml" install -DskipTests
mvn -q -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

work="$(mktemp -d /var/tmp/karavel-bench.XXXXXX)"   # on disk, not tmpfs: fsync must mean something
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
client_port="$(free_port)"
peer_port="$(free_port)"

etcd --name bench --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "bench=http://127.0.0.1:$peer_port" \
  >"$work/etcd.log" 2>&1 &
etcd_pid=$!
cleanup() {
  kill "$etcd_pid" 2>/dev/null || true
  wait "$etcd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$client_port/health" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$client_port/health" >/dev/null || { cat "$work/etcd.log" >&2; echo "etcd did not start" >&2; exit 1; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(etcd --version | head -1), $(java -version 2>&1 | head -1)"
echo "# disk: $(df -h "$work" | awk 'NR==2 {print $1, $2}') ($(lsblk -dno NAME,ROTA,MODEL 2>/dev/null | tr '\n' ';' || true))"
java -Xms512m -Xmx2g -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.karavel.bench.StoreBench --etcd "http://127.0.0.1:$client_port" --dir "$work" "$@"
