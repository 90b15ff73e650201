#!/bin/bash
# Measures the linux.fuse interceptor over the built agent product: the same workloads on a plain
# directory, on a directory protected by Doppel (mounted in place, replicating live to a target agent
# on this machine) and through libfuse's passthrough_ll example, side by side in one run.
#
#   product/bench-fuse.sh [WORK]     WORK defaults to /var/tmp/doppel-bench-fuse; put it on the file
#                                    system to measure (a fresh one gives the steadiest figures)
# Environment:
#   BENCH_RUNS=2             rounds of every workload (each round: plain, protected, passthrough_ll)
#   BENCH_TREE=DIR           the tree that `tar x` unpacks (default: Debian's linux-source, if installed)
#   BENCH_SEQ_MIB=1024       size of the sequential write
#   BENCH_ONLY="seq rand"    run only these workloads (seq rand randsync small tar lag)
#   BENCH_COMPRESSION=fast   the job's compression (none, fast, balanced, max)
#   BENCH_PAUSED=1           also run each workload on the protected directory with the job paused
#                            (captured and journaled, sent after the workload): the interceptor's own
#                            cost, without the replication's CPU on this machine
#
# Needs root, /dev/fuse, fio and python3; gcc and libfuse3-dev for passthrough_ll (skipped without).
# Build first (product/demo.sh builds, or ./mvnw -DskipTests verify). Prints `BENCH …` lines.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/var/tmp/doppel-bench-fuse}
runs=${BENCH_RUNS:-2}
seq_mib=${BENCH_SEQ_MIB:-1024}
only=${BENCH_ONLY:-seq rand randsync small tar lag}
install=$repo/product/target/products/io.doppel.agent.product/linux/gtk/x86_64
doppel=$install/bin/doppel
port=${BENCH_PORT:-27499}

die() { echo "bench-fuse: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (FUSE mounts in place)"
[ -c /dev/fuse ] || die "/dev/fuse is missing"
command -v fio > /dev/null || die "fio is missing (apt-get install fio)"
[ -x "$install/bin/doppel-agent" ] || die "no built agent in $install; run ./mvnw -DskipTests verify first"

tree=${BENCH_TREE:-}
if [ -z "$tree" ]; then
  tree=$(ls -d /usr/src/linux-source-*/ 2>/dev/null | head -1 || true)
  if [ -z "$tree" ] && ls /usr/src/linux-source-*.tar.xz > /dev/null 2>&1; then
    mkdir -p "$work/src" && tar xf "$(ls /usr/src/linux-source-*.tar.xz | head -1)" -C "$work/src"
    tree=$(ls -d "$work"/src/*/ | head -1)
  fi
fi

plain=$work/plain
prot=$work/protected
back=$work/pll-backing
pll=$work/pll
homes=$work/agents
image=$homes/target/images/bench-source/bench

cleanup() {
  set +e
  "$doppel" --home "$homes/source" job stop bench > /dev/null 2>&1
  for h in source target; do
    if [ -f "$homes/$h/run/agent.pid" ]; then
      pid=$(cat "$homes/$h/run/agent.pid"); kill -TERM "$pid" 2>/dev/null
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    fi
  done
  if mountpoint -q "$pll"; then umount "$pll" || umount -l "$pll"; fi
  if [ -n "${pll_pid:-}" ]; then wait "$pll_pid" 2>/dev/null; fi
}
trap cleanup EXIT

rm -rf "$plain" "$prot" "$back" "$pll" "$homes"
mkdir -p "$plain" "$prot" "$back" "$pll" "$homes"

start_agent() { # home name replication-listen
  "$install/bin/doppel-agent" --home "$1" --name "$2" --listen 127.0.0.1:0 --replication-listen "$3" \
    --metrics 127.0.0.1:0 > "$1.out" 2>&1 &
  for _ in $(seq 300); do [ -f "$1/run/management.endpoint" ] && return 0; sleep 0.1; done
  cat "$1.out" >&2; die "the agent $2 did not start"
}
start_agent "$homes/target" bench-target "127.0.0.1:$port"
start_agent "$homes/source" bench-source 127.0.0.1:0
"$doppel" --home "$homes/source" peer trust $("$doppel" --home "$homes/target" identity) > /dev/null
"$doppel" --home "$homes/target" peer trust $("$doppel" --home "$homes/source" identity) > /dev/null
"$doppel" --home "$homes/source" job create bench --source "$prot" --target "127.0.0.1:$port" \
  --interceptor linux.fuse --compression "${BENCH_COMPRESSION:-fast}" > /dev/null
"$doppel" --home "$homes/source" job start bench > /dev/null

# The job's state and sequence numbers (captured, applied on the target), from the source agent's
# metrics page: polling the CLI would start a JVM each time and take the CPU being measured.
seqs() {
  curl -s "http://$(cat "$homes/source/run/metrics.endpoint")/metrics" | awk '
    /^doppel_job_state\{job="bench",state="[A-Z_]+"\} 1/ { match($0, /state="[A-Z_]+"/); st = substr($0, RSTART + 7, RLENGTH - 8) }
    /^doppel_job_sequence\{job="bench",kind="captured"\}/ { cap = $2 }
    /^doppel_job_sequence\{job="bench",kind="applied"\}/ { app = $2 }
    END { print st, cap, app }'
}
# Waits until the target applied everything captured (and the interceptor's once-a-second time
# updates came and were applied too).
caught_up() {
  local rounds=0 state last acked
  while :; do
    read -r state last acked < <(seqs)
    if [ "$last" = "$acked" ] && [ "$state" = REPLICATING ]; then
      rounds=$((rounds + 1))
      [ $rounds -ge 2 ] && return 0
      sleep 1.2
    else
      rounds=0
      sleep 0.05
    fi
  done
}
for _ in $(seq 600); do mountpoint -q "$prot" && break; sleep 0.1; done
mountpoint -q "$prot" || die "the protected directory was not mounted; see $homes/source.out"
caught_up

have_pll=no
if command -v gcc > /dev/null && [ -f /usr/share/doc/libfuse3-dev/examples/passthrough_ll.c ]; then
  mkdir -p "$work/pll-build"
  cp /usr/share/doc/libfuse3-dev/examples/passthrough_ll.c /usr/share/doc/libfuse3-dev/examples/passthrough_helpers.h \
    "$work/pll-build/"
  if gcc -O2 -o "$work/pll-build/passthrough_ll" "$work/pll-build/passthrough_ll.c" \
      $(pkg-config --cflags --libs fuse3) 2> "$work/pll-build/gcc.out"; then
    "$work/pll-build/passthrough_ll" -f -o source="$back" "$pll" > "$work/pll.out" 2>&1 &
    pll_pid=$!
    for _ in $(seq 100); do mountpoint -q "$pll" && break; sleep 0.1; done
    mountpoint -q "$pll" && have_pll=yes
  fi
fi
[ $have_pll = yes ] || echo "bench-fuse: passthrough_ll is not measured (needs gcc and libfuse3-dev)"

dirs="plain:$plain protected:$prot"
[ "${BENCH_PAUSED:-1}" = 1 ] && dirs="$dirs paused:$prot"
[ $have_pll = yes ] && dirs="$dirs passthrough_ll:$pll"

now() { date +%s.%N; }
settle() { # after a workload: everything on disk, the replica caught up
  sync
  caught_up
}

run() { # workload name, directory, command...
  local what=$1 kind=$2 dir=$3; shift 3
  settle
  local t0 t1 t2
  [ "$kind" = paused ] && "$doppel" --home "$homes/source" job pause bench > /dev/null
  t0=$(now)
  local failed=0
  "$@" > "$work/last.out" 2>&1 || failed=$?
  t1=$(now)
  if [ $failed != 0 ]; then
    # a workload that fails is a result too (e.g. passthrough_ll out of descriptors)
    printf 'BENCH %-9s %-15s FAILED (exit %d): %s\n' "$what" "$kind" "$failed" "$(tail -1 "$work/last.out")"
    [ "$kind" = paused ] && "$doppel" --home "$homes/source" job resume bench > /dev/null
    return 0
  fi
  [ "$kind" = paused ] && "$doppel" --home "$homes/source" job resume bench > /dev/null
  if [ "$kind" = protected ] || [ "$kind" = paused ]; then
    caught_up
    t2=$(now)
    printf 'BENCH %-9s %-15s %8.3f s   (replica caught up %.1f s later)\n' "$what" "$kind" \
      "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
  else
    printf 'BENCH %-9s %-15s %8.3f s\n' "$what" "$kind" "$(echo "$t1 - $t0" | bc)"
  fi
}

fio_q() { fio --output=/dev/null "$@"; }

w_seq() { fio_q --name=seq --filename="$1/seq.dat" --rw=write --bs=1M --size="${seq_mib}M" --ioengine=psync \
  --end_fsync=1; }
w_rand() { fio_q --name=rand --filename="$1/rand.dat" --rw=randwrite --bs=4k --size=256M --ioengine=psync \
  --end_fsync=1; }
w_randsync() { fio_q --name=randsync --filename="$1/rand.dat" --rw=randwrite --bs=4k --size=256M \
  --ioengine=psync --fsync=1 --number_ios=2000; }
w_small() {
  python3 - "$1/small" << 'PY'
import os, sys
root = sys.argv[1]
data = b"x" * 4096
for d in range(100):
    os.makedirs(os.path.join(root, "d%03d" % d))
    for f in range(100):
        fd = os.open(os.path.join(root, "d%03d" % d, "f%03d" % f), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)
PY
  sync
}
w_tar() { tar xf "$work/tree.tar" -C "$1"; sync; }

layout_rand() { fio_q --name=layout --filename="$1/rand.dat" --rw=write --bs=1M --size=256M --ioengine=psync; }

if [[ " $only " == *" tar "* ]]; then
  if [ -n "$tree" ] && [ -d "$tree" ]; then
    [ -f "$work/tree.tar" ] || tar cf "$work/tree.tar" -C "$(dirname "$tree")" "$(basename "$tree")"
    cat "$work/tree.tar" > /dev/null
    echo "bench-fuse: tar x of $tree ($(du -sh "$work/tree.tar" | cut -f1), $(tar tf "$work/tree.tar" | wc -l) entries)"
  else
    echo "bench-fuse: no tree for tar x (set BENCH_TREE or install linux-source)"
    only=${only//tar/}
  fi
fi

echo "bench-fuse: $(nproc) cores, $(df -h --output=source,fstype,size "$work" | tail -1), kernel $(uname -r)"
for round in $(seq "$runs"); do
  echo "bench-fuse: round $round"
  for entry in $dirs; do
    kind=${entry%%:*}; dir=${entry#*:}
    if [[ " $only " == *" seq "* ]]; then
      run seq "$kind" "$dir" w_seq "$dir"; rm -f "$dir/seq.dat"
    fi
    if [[ " $only " == *" rand "* || " $only " == *" randsync "* ]]; then
      layout_rand "$dir"
      [[ " $only " == *" rand "* ]] && run rand4k "$kind" "$dir" w_rand "$dir"
      [[ " $only " == *" randsync "* ]] && run rand4k+fs "$kind" "$dir" w_randsync "$dir"
      rm -f "$dir/rand.dat"
    fi
    if [[ " $only " == *" small "* ]]; then
      run small "$kind" "$dir" w_small "$dir"; rm -rf "$dir/small"
    fi
    if [[ " $only " == *" tar "* ]]; then
      run tar-x "$kind" "$dir" w_tar "$dir"; rm -rf "${dir:?}"/*
    fi
  done
done

if [[ " $only " == *" lag "* ]]; then
  settle
  python3 - "$prot/lag" "$image/lag" << 'PY'
import os, sys, time
src, dst = sys.argv[1], sys.argv[2]
os.mkdir(src)
deadline = time.monotonic() + 10
while not os.path.isdir(dst):
    if time.monotonic() > deadline:
        sys.exit("the directory did not reach the replica")
    time.sleep(0.001)
lags = []
for i in range(300):
    name = "f%04d" % i
    t0 = time.monotonic()
    os.close(os.open(os.path.join(src, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    target = os.path.join(dst, name)
    while not os.path.exists(target):
        if time.monotonic() - t0 > 10:
            sys.exit("a create did not reach the replica in 10 s")
        time.sleep(0.0001)
    lags.append((time.monotonic() - t0) * 1000)
    time.sleep(0.01)
lags.sort()
print("BENCH lag-create  avg %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d creates" % (
    sum(lags) / len(lags), lags[len(lags) // 2], lags[int(len(lags) * 0.99)], lags[-1], len(lags)))
PY
fi

settle
if command -v rsync > /dev/null; then
  diff=$(rsync -aHAXnc --delete -i "$prot/" "$image/" | head -20)
  if [ -z "$diff" ]; then echo "bench-fuse: the replica equals the protected directory (rsync -aHAXnc)"
  else echo "bench-fuse: the replica differs:"; echo "$diff"; fi
fi
