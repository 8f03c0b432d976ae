# Shared by the benchmark scripts (sourced, not run): starting and stopping Karavel instances
# from the built distribution, and reading a process's CPU and memory.
# The sourcing script sets: $work (a temp directory holding karavel.tar.gz). Every JVM started
# here is recorded in started_pids (start order) and stopped by pid, never by name.

started_pids=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_instance NAME PROFILE [VAR=VALUE...]: unpacks a fresh copy and runs `bin/karavel run` in the
# background; sets $instance_pid (the JVM: bin/karavel and bin/karaf exec) and $instance_home.
# A function prepare_instance_home HOME PROFILE, when the script defines one, runs before the start.
start_instance() {
  local name=$1 profile=$2
  shift 2
  instance_home="$work/$name"
  mkdir -p "$instance_home"
  tar -xzf "$work/karavel.tar.gz" -C "$instance_home" --strip-components=1
  if declare -F prepare_instance_home >/dev/null; then prepare_instance_home "$instance_home" "$profile"; fi
  local rmi_registry rmi_server
  rmi_registry=$(free_port)
  rmi_server=$(free_port)
  env KARAVEL_API_PORT="$(free_port)" \
      ORG_APACHE_KARAF_SHELL_SSHPORT="$(free_port)" \
      ORG_APACHE_KARAF_MANAGEMENT_RMIREGISTRYPORT="$rmi_registry" \
      ORG_APACHE_KARAF_MANAGEMENT_RMISERVERPORT="$rmi_server" \
      ORG_APACHE_KARAF_MANAGEMENT_SERVICEURL="service:jmx:rmi://127.0.0.1:$rmi_server/jndi/rmi://127.0.0.1:$rmi_registry/karaf-root" \
      KARAVEL_KUBELET_PORT=0 \
      "$@" \
      "$instance_home/bin/karavel" run --profile "$profile" > "$instance_home/console.log" 2>&1 < /dev/null &
  instance_pid=$!
  started_pids+=("$instance_pid")
  echo "$name: profile $profile, pid $instance_pid, home $instance_home" >&2
}

stop_pid() {
  local pid=$1 waited=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 600 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "pid $pid still running after 60 s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# await_api URL HOME PID: until the instance answers /readyz and has written its kubeconfig.
await_api() {
  local url=$1 home=$2 pid=$3
  for _ in $(seq 1 2400); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$home/console.log" >&2; echo "instance exited" >&2; exit 1; }
    if [ -f "$home/etc/kubeconfig" ] && curl -fsS -m 2 "$url/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "API server at $url not ready after 240 s" >&2
  exit 1
}

# CPU time of a process (user + system, in clock ticks: 100 per second on Linux).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

mib() { awk -v kb="$1" 'BEGIN { if (kb == "" || kb < 0) print "-"; else printf "%.1f", kb / 1024 }'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

jcmd="$(command -v jcmd || ls /usr/lib/jvm/java-17-openjdk-amd64/bin/jcmd 2>/dev/null || ls /usr/lib/jvm/*/bin/jcmd 2>/dev/null | head -1 || true)"

# heap_used_after_gc_kb PID: heap in use after two full GCs (KiB; -1 without jcmd).
# G1: " garbage-first heap   total 90112K, used 48231K [...]"; Serial: one such line per
# generation ("def new generation", "tenured generation"), summed.
heap_used_after_gc_kb() {
  local pid=$1
  if [ -z "$jcmd" ]; then echo -1; return; fi
  "$jcmd" "$pid" GC.run >/dev/null
  sleep 2
  "$jcmd" "$pid" GC.run >/dev/null
  sleep 1
  "$jcmd" "$pid" GC.heap_info | awk '/total/ && /used/ {for (i = 1; i < NF; i++) if ($i == "used") {v = $(i+1); gsub(/[^0-9]/, "", v); sum += v}} END {print sum + 0}'
}
