#!/usr/bin/env bash
# Builds Karavel and starts the all-in-one profile (master and node in one process) in the
# background, then waits until its API answers. Stop it with:
#   karaf-dist/target/assembly/bin/karavel stop
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-prerequisites.sh
mvn -B -q install -DskipTests

home=karaf-dist/target/assembly
"$home/bin/karavel" start --profile "${KARAVEL_PROFILE:-all-in-one}"

port=${KARAVEL_API_PORT:-6443}
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && [ -f "$home/etc/kubeconfig" ]; then
    echo "Karavel is ready. Try:"
    echo "  kubectl --kubeconfig $home/etc/kubeconfig get namespaces"
    exit 0
  fi
  sleep 1
done
echo "Karavel did not become ready in 120 s; see $home/data/log/karaf.log" >&2
exit 1
