#!/usr/bin/env bash
# Installs what building, running and testing Karavel needs on a Debian 12 machine (JDK, Maven,
# curl, iproute2, podman, runc, the local busybox image), and nothing
# when it is already there. Safe to run again. Needs root (or sudo) only when something is missing.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# `ip`: the service proxy adds the local route of the bridge-side Service range with it
command -v ip >/dev/null 2>&1 || missing+=(iproute2)

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major%%.*}" -lt 17 ]; then
  echo "Karavel needs Java 17 or newer; found $java_major (set JAVA_HOME)" >&2
  exit 1
fi
if ! command -v kubectl >/dev/null 2>&1; then
  # kubectl is not a Debian package: the tests that drive it skip themselves, say so up front.
  echo "note: kubectl not found; the kubectl tests will be skipped" >&2
fi

# Podman (the default container runtime) and runc, the project's containers.conf check, and the
# local busybox image the examples and tests run (no registry is reachable from these machines).
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup-podman.sh"
"$here/build-busybox-image.sh"
