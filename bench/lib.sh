# Shared by the benchmark scripts.

# `measure LABEL COMMAND...` runs COMMAND three times under GNU time and
# prints the median wall time and max RSS.
median() { sort -n | sed -n 2p; }
measure() {
  local label=$1; shift
  local t m ts=() ms=() tmp
  tmp=$(mktemp)
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$tmp" "$@" >/dev/null 2>&1 || true
    read -r t m < "$tmp"
    ts+=("$t"); ms+=("$m")
  done
  rm -f "$tmp"
  printf '%-52s median %6ss  max RSS %8s KiB\n' "$label" \
    "$(printf '%s\n' "${ts[@]}" | median)" "$(printf '%s\n' "${ms[@]}" | median)"
}

# `interleave RUNS LABEL1 CMD1 [LABEL2 CMD2 ...]` runs the shell commands
# CMD1, CMD2, ... in turn (1 2 ... 1 2 ...), RUNS rounds, so that noise from
# other work on the machine falls on all of them alike, and prints for each
# the median wall time, the median max RSS and every run's time. A failing
# run stops the script. If a shell function `between` is defined, it runs
# after every command, outside the timing (e.g. to delete pulled files).
interleave() {
  local runs=$1; shift
  local labels=() cmds=() i r tmp t m
  while [ $# -gt 0 ]; do labels+=("$1"); cmds+=("$2"); shift 2; done
  local -a times rss
  tmp=$(mktemp)
  for r in $(seq "$runs"); do
    for i in "${!cmds[@]}"; do
      if ! /usr/bin/time -f "%e %M" -o "$tmp" sh -c "${cmds[$i]}" >/dev/null 2>"$tmp.err"; then
        echo "failed: ${labels[$i]}: ${cmds[$i]}" >&2; cat "$tmp.err" >&2; rm -f "$tmp" "$tmp.err"; return 1
      fi
      read -r t m < "$tmp"
      times[$i]="${times[$i]:-} $t"; rss[$i]="${rss[$i]:-} $m"
      if declare -F between >/dev/null; then between; fi
    done
  done
  rm -f "$tmp" "$tmp.err"
  local mid=$(((runs + 1) / 2))
  for i in "${!cmds[@]}"; do
    printf '%-44s median %6ss  max RSS %8s KiB  (runs:%s)\n' "${labels[$i]}" \
      "$(printf '%s\n' ${times[$i]} | sort -g | sed -n "${mid}p")" \
      "$(printf '%s\n' ${rss[$i]} | sort -g | sed -n "${mid}p")" "${times[$i]}"
  done
}

# `start_registry DIR [REGISTRY]` starts the CNCF distribution registry
# binary (REGISTRY, else $AIBOM_REGISTRY, else the CI cache) on a free
# loopback port, storing under DIR/data, and waits until it answers. It
# sets registry_host (127.0.0.1:PORT) and registry_pid, and on exit stops
# the registry and deletes its storage.
start_registry() {
  local dir=$1
  local bin=${2:-${AIBOM_REGISTRY:-$HOME/.cache/aibom-ci/bin/registry-v3.1.2/registry}}
  local port
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  registry_host=127.0.0.1:$port
  rm -rf "$dir"; mkdir -p "$dir"
  cat > "$dir/config.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/data}}
http: {addr: $registry_host}
YML
  "$bin" serve "$dir/config.yml" 2>"$dir/log" &
  registry_pid=$!
  # shellcheck disable=SC2064 # expand now: the values are fixed
  trap "kill $registry_pid; rm -rf '$dir/data'" EXIT
  for _ in $(seq 100); do
    curl -sf "http://$registry_host/v2/" >/dev/null && return 0
    sleep 0.1
  done
  echo "registry did not start on $registry_host (log: $dir/log)" >&2
  return 1
}
