#!/usr/bin/env bash
# Builds the container image localhost/busybox:latest from Debian's busybox-static, without any
# registry (none is reachable from these machines), and checks it runs, alone and in a pod.
# Safe to run again: does nothing but the checks when the image exists, unless --force.
#
#   scripts/build-busybox-image.sh [--force]
#
# The image is a root filesystem with /bin/busybox (statically linked) and a symlink for each of
# its applets (sh, httpd, sleep, wget, nc, echo, cat, hostname, ls... ) where `busybox
# --list-full` places them, tarred and imported with `podman import`; its command is /bin/sh.
# Run scripts/setup-podman.sh first. Uses the project's containers.conf unless CONTAINERS_CONF
# names another. Needs root: as another user every privileged command goes through sudo.
# The checks talk only to their own containers, over the pod's loopback, and remove them.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf="${CONTAINERS_CONF:-$repo/config/podman/containers.conf}"
image=localhost/busybox:latest

force=false
case "${1:-}" in
  --force) force=true ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

podman() {
  $sudo env CONTAINERS_CONF="$conf" podman "$@"
}

if ! command -v podman >/dev/null 2>&1; then
  echo "podman is not installed: run scripts/setup-podman.sh first" >&2
  exit 1
fi
if [ ! -x /bin/busybox ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q '^install ok installed$'; then
  echo "installing: busybox-static"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq busybox-static >/dev/null
fi

if podman image exists "$image" && ! $force; then
  echo "$image exists (--force rebuilds it)"
else
  old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  root="$work/rootfs"
  mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" \
    "$root/root" "$root/proc" "$root/sys" "$root/dev" "$root/var/www"
  mkdir -m 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  # Each applet where busybox itself would install it (bin/sh, usr/bin/wget, ...), pointing at
  # /bin/busybox; busybox runs the applet its name says.
  /bin/busybox --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done
  for applet in sh httpd sleep wget nc echo cat hostname ls; do
    if [ ! -L "$root/bin/$applet" ] && [ ! -L "$root/usr/bin/$applet" ] \
        && [ ! -L "$root/sbin/$applet" ] && [ ! -L "$root/usr/sbin/$applet" ]; then
      echo "this busybox has no $applet applet" >&2
      exit 1
    fi
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  # Same content, same tar: owners and times fixed.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/rootfs.tar" .
  podman import --quiet \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "busybox-static $(dpkg-query -W -f='${Version}' busybox-static)" \
    "$work/rootfs.tar" "$image" >/dev/null
  new=$(podman image inspect --format '{{.Id}}' "$image")
  if [ -n "$old" ] && [ "$old" != "$new" ]; then
    # The rebuilt image took the tag; drop the untagged old one unless a container still uses it.
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
  echo "built $image ($(podman image inspect --format '{{.Size}}' "$image") bytes) from busybox-static $(dpkg-query -W -f='${Version}' busybox-static)"
fi

# Check: the image runs a command.
out=$(podman run --rm "$image" sh -c 'echo ok')
if [ "$out" != ok ]; then
  echo "podman run --rm $image sh -c 'echo ok' printed: $out" >&2
  exit 1
fi
echo "podman run --rm $image sh -c 'echo ok': $out"

# Check: two containers of one pod share its network namespace. An httpd in one serves a file
# on the pod's 127.0.0.1:8080, a wget in the other fetches it.
pod="karavel-probe-$$"
cleanup_pod() {
  # -t 0: httpd runs as PID 1 of its container, which ignores SIGTERM; no point waiting 10 s.
  podman pod rm -f -t 0 "$pod" >/dev/null 2>&1 || true
}
trap 'cleanup_pod; rm -rf "${work:-/nonexistent}"' EXIT
podman pod create --name "$pod" >/dev/null
podman run -d --pod "$pod" --name "$pod-httpd" "$image" \
  sh -c 'echo "hello from $(hostname)" >/tmp/index.html && exec busybox httpd -f -p 8080 -h /tmp' >/dev/null
if ! got=$(podman run --rm --pod "$pod" --name "$pod-client" "$image" \
    sh -c 'for i in $(seq 1 50); do wget -qO- http://127.0.0.1:8080/ 2>/dev/null && exit 0; sleep 0.1; done; exit 1'); then
  echo "a container of pod $pod could not reach the httpd of its pod-mate on 127.0.0.1:8080" >&2
  podman logs "$pod-httpd" >&2 || true
  exit 1
fi
echo "pod $pod: wget http://127.0.0.1:8080/ from the second container got: $got"
cleanup_pod
echo "removed pod $pod"
