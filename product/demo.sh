#!/bin/sh
# Builds Doppel and starts a local agent on a sample home, then shows its status.
#   product/demo.sh          build (tests skipped), start the agent, print its status
#   product/demo.sh status   print the status again
#   product/demo.sh stop     stop the agent
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${DOPPEL_DEMO_DIR:-$repo/target/demo}
agent_home=$work/agent
install=$repo/product/target/products/io.doppel.agent.product/linux/gtk/x86_64

status() {
  "$install/bin/doppel" --home "$agent_home" status
}

stop() {
  pid=$(cat "$agent_home/run/agent.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    echo "demo: agent stopped"
  else
    echo "demo: no agent running with home $agent_home"
  fi
}

case "${1:-start}" in
  status) status; exit $? ;;
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: product/demo.sh [start|status|stop]" >&2; exit 2 ;;
esac

echo "demo: building Doppel (tests skipped; run ./mvnw verify for them)…"
"$repo/mvnw" -q -f "$repo/pom.xml" -DskipTests verify

if [ -f "$agent_home/run/agent.pid" ] && kill -0 "$(cat "$agent_home/run/agent.pid")" 2>/dev/null; then
  echo "demo: restarting the running demo agent"
  stop
fi
mkdir -p "$work"
echo "demo: starting an agent with home $agent_home"
nohup "$install/bin/doppel-agent" --home "$agent_home" --listen 127.0.0.1:0 --replication-listen 127.0.0.1:0 --name demo-agent \
  > "$work/agent.out" 2>&1 &
tries=0
until [ -f "$agent_home/run/management.endpoint" ]; do
  tries=$((tries + 1))
  if [ $tries -gt 300 ] || ! kill -0 $! 2>/dev/null; then
    echo "demo: the agent did not start; its output:" >&2
    cat "$work/agent.out" >&2
    exit 1
  fi
  sleep 0.1
done
echo
status
echo
echo "The agent keeps running. Again: product/demo.sh status   Stop: product/demo.sh stop"
echo "CLI: $install/bin/doppel --home $agent_home --help"
