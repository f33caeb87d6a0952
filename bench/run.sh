#!/usr/bin/env bash
# Builds the benchmarks jar (Maven profile "bench") and runs the whole suite; results under target/bench/.
#   bench/run.sh            full run (2 forks, 3 x 1 s warm-up, 5 x 1 s measurement, -prof gc)
#   bench/run.sh --smoke    1 fork, 1 x 1 s + 1 x 1 s each: proves the benchmarks run (numbers not judged)
# Further arguments go to org.wsk4j.bench.BenchMain (--include REGEX, --sockets N, --no-memory, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Pbench package
exec java -Xms256m -Xmx256m -jar target/wsk4j-benchmarks.jar "$@"
