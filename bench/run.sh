#!/usr/bin/env bash
# Builds the benchmarks jar (Maven profile "bench") and the C epoll contender, and runs the whole suite; results
# under target/bench/.
#   bench/run.sh            full run (2 forks, 2 x 1 s warm-up, 3 x 1 s measurement, -prof gc; the echo rows and
#                           the connect latencies in 5 rounds of 1 fork per contender, echo 5 x 1 s warm-up;
#                           the simulated cycle 3 forks x 5 x 1 s warm-up; then the echo rows paired, every
#                           contender in one JVM in alternating 250 ms slices, pinned; about 35 minutes)
#   bench/run.sh --smoke    1 fork, 1 x 1 s + 1 x 1 s each: proves the benchmarks run (numbers not judged)
#   bench/run.sh --help     the arguments
# Further arguments go to org.wsk4j.bench.BenchMain (--include REGEX, --sockets N, --no-memory, --out DIR, --rounds N,
# --paired-cycles N).
# The C epoll contender (bench/c/epoll_client.c, the physical reference) is built with gcc -O2 when gcc exists;
# otherwise the suite runs without it and the report says why.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    if [[ "$arg" == "--help" || "$arg" == "-h" ]]; then
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
    fi
done
mvn -B -q -Pbench package
native=()
mkdir -p target/bench-native
if command -v gcc >/dev/null 2>&1; then
    if gcc -O2 -Wall -o target/bench-native/epoll_client bench/c/epoll_client.c; then
        native=(-Dbench.cEpoll="$PWD/target/bench-native/epoll_client")
    else
        native=(-Dbench.cEpoll.skipped="gcc failed to build bench/c/epoll_client.c")
    fi
else
    native=(-Dbench.cEpoll.skipped="gcc not found on this machine")
fi
exec java -Xms256m -Xmx256m "${native[@]}" -jar target/wsk4j-benchmarks.jar "$@"
