# Shared by the benchmark scripts: `measure LABEL COMMAND...` runs COMMAND
# three times under GNU time and prints the median wall time and max RSS.
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
