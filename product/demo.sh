#!/bin/sh
# Builds Doppel and runs the main job on this machine: a source agent protecting a sample directory,
# replicating it live to a target agent, with the status of both.
#   product/demo.sh          build (tests skipped), start both agents, pair them, start the job, show status
#   product/demo.sh status   show the status again
#   product/demo.sh stop     stop both agents
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${DOPPEL_DEMO_DIR:-$repo/target/demo}
port=${DOPPEL_DEMO_PORT:-27421}
install=$repo/product/target/products/io.doppel.agent.product/linux/gtk/x86_64
doppel="$install/bin/doppel"
sample=$work/sample
image=$work/replica/images/demo-primary/sample

running() { [ -f "$1/run/agent.pid" ] && kill -0 "$(cat "$1/run/agent.pid")" 2>/dev/null; }

stop_agent() {
  if running "$1"; then
    pid=$(cat "$1/run/agent.pid")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    echo "demo: stopped the agent of $1"
  fi
}

start_agent() { # home name replication-address
  mkdir -p "$work"
  nohup "$install/bin/doppel-agent" --home "$1" --name "$2" --listen 127.0.0.1:0 --replication-listen "$3" \
    > "$1.out" 2>&1 &
  tries=0
  until [ -f "$1/run/management.endpoint" ]; do
    tries=$((tries + 1))
    if [ $tries -gt 300 ]; then
      echo "demo: the agent '$2' did not start; its output:" >&2
      cat "$1.out" >&2
      exit 1
    fi
    sleep 0.1
  done
}

status() {
  echo "== source agent"
  "$doppel" --home "$work/primary" status | sed -n '1,6p'
  echo "== target agent"
  "$doppel" --home "$work/replica" status | sed -n '1,6p'
  echo "== replication"
  "$doppel" --home "$work/primary" job list
  echo "== $sample (protected)"
  ls -l "$sample"
  echo "== $image (replica)"
  ls -l "$image" 2>/dev/null || echo "(not created yet)"
}

case "${1:-start}" in
  status) status; exit 0 ;;
  stop) stop_agent "$work/primary"; stop_agent "$work/replica"; exit 0 ;;
  start) ;;
  *) echo "usage: product/demo.sh [start|status|stop]" >&2; exit 2 ;;
esac

echo "demo: building Doppel (tests skipped; xvfb-run -a ./mvnw verify runs them)…"
"$repo/mvnw" -q -f "$repo/pom.xml" -DskipTests verify

stop_agent "$work/primary"
stop_agent "$work/replica"
echo "demo: starting the target agent (replication on 127.0.0.1:$port) and the source agent"
start_agent "$work/replica" demo-replica "127.0.0.1:$port"
start_agent "$work/primary" demo-primary 127.0.0.1:0

# Pair them (idempotent), and create the job once.
"$doppel" --home "$work/primary" peer trust $("$doppel" --home "$work/replica" identity) > /dev/null
"$doppel" --home "$work/replica" peer trust $("$doppel" --home "$work/primary" identity) > /dev/null
mkdir -p "$sample"
# Byte-level capture (a FUSE mount over the sample directory) where it can run, else the watcher.
if [ "$(id -u)" = 0 ] && [ -c /dev/fuse ] && [ -w /dev/fuse ]; then
  interceptor=linux.fuse
  echo "demo: capturing with linux.fuse: $sample is mounted in place, every write is seen as it happens"
else
  interceptor=watch
  echo "demo: capturing with watch (FUSE needs root and /dev/fuse): changes are found by scanning"
fi
if ! "$doppel" --home "$work/primary" job list | grep -q '^sample '; then
  "$doppel" --home "$work/primary" job create sample --source "$sample" --target "127.0.0.1:$port" \
    --interceptor "$interceptor" > /dev/null
fi
"$doppel" --home "$work/primary" job start sample > /dev/null

stamp="written at $(date -u +%FT%TZ)"
echo "$stamp" > "$sample/hello.txt"
echo "demo: wrote $sample/hello.txt; waiting for it on the replica…"
tries=0
until [ "$(cat "$image/hello.txt" 2>/dev/null)" = "$stamp" ]; do
  tries=$((tries + 1))
  if [ $tries -gt 300 ]; then
    echo "demo: the change did not reach the replica in 30 s" >&2
    status
    exit 1
  fi
  sleep 0.1
done
echo
status
cat <<TXT

Both agents keep running. Write into $sample and watch it appear in
$image.
Again: product/demo.sh status   Stop: product/demo.sh stop   CLI: $doppel --home $work/primary --help
TXT
