#!/usr/bin/env bash
# Sets podman up for Karavel's podman runtime on a Debian 12 machine, and checks it works.
# Safe to run again: installs only what is missing, changes nothing when all is there.
#
#   scripts/setup-podman.sh
#
# - Installs the Debian packages podman and runc (crun, podman's preferred runtime, fails on
#   these machines), catatonit (the init of the pod infra image `podman pod create` builds
#   locally; only a recommendation of podman, so named) and busybox-static (for
#   scripts/build-busybox-image.sh). The rest (conmon, netavark, iptables...) comes as
#   podman's dependencies and recommendations.
# - Uses the project's containers.conf, config/podman/containers.conf (committed; each setting
#   explained there), through the CONTAINERS_CONF environment variable. No system file is
#   written: whoever runs podman for Karavel sets that variable (the line to use is printed at
#   the end). The podman runtime bundle will start `podman system service` itself with the same
#   variable in its environment, so the API service needs no system-wide file either; only a
#   person who wants a bare `podman` command to behave the same would copy the file to
#   /etc/containers/containers.conf, which this script leaves to them on purpose.
# - Checks `podman info`, and `podman run --rm localhost/busybox:latest true` once that image
#   exists (scripts/build-busybox-image.sh builds it).
#
# Needs root: podman runs rootful here. As another user every privileged command goes through sudo.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf="$repo/config/podman/containers.conf"
image=localhost/busybox:latest

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if [ ! -r "$conf" ]; then
  echo "missing $conf (it is part of the repository)" >&2
  exit 1
fi

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for pkg in podman runc catatonit busybox-static; do
  installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  # runc named together with podman satisfies podman's "crun | runc" dependency: crun stays out.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

podman() {
  $sudo env CONTAINERS_CONF="$conf" podman "$@"
}

if ! info=$(podman info --format '{{.Version.Version}} {{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Host.EventLogger}} {{.Store.GraphDriverName}}' 2>&1); then
  echo "podman info failed:" >&2
  echo "$info" >&2
  exit 1
fi
read -r version runtime cgroups events driver <<<"$info"
echo "podman $version: runtime $runtime, cgroup manager $cgroups, events $events, storage $driver"
if [ "$runtime" != runc ] || [ "$cgroups" != cgroupfs ] || [ "$events" != file ]; then
  echo "podman does not use $conf (expected runc, cgroupfs, file)" >&2
  exit 1
fi

if podman image exists "$image"; then
  podman run --rm "$image" true
  echo "podman run --rm $image true: ok"
else
  echo "no $image yet: scripts/build-busybox-image.sh builds it"
fi

echo "podman is ready; run podman for Karavel with:"
echo "  export CONTAINERS_CONF=$conf"
