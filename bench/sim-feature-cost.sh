#!/usr/bin/env bash
# Issue 19's cost measurement of the simulated socket/bind/connect/close cycle (SimulatedTransportBench, verifier off):
# the cycle with every feature off, interleaved A/B against a base commit built in a temporary worktree, then each
# feature on (feature=capture,trace,remote,jitter,held,resolve). Twice: by the benchmark thread's CPU time and
# allocation (bench/SimCycleCpu.java, which a loaded machine disturbs least), then by JMH's wall-clock throughput.
# On a shared machine compare only within one run.
#   bench/sim-feature-cost.sh [BASE_REV] [ROUNDS]     (defaults: 24927ec, 3)
# Results (JMH text output) under target/bench/sim-feature-cost/.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:-24927ec}
rounds=${2:-3}
out=target/bench/sim-feature-cost
mkdir -p "$out"
base_tree=$(mktemp -d)/base
git worktree add -q --detach "$base_tree" "$base_rev"
trap 'git worktree remove --force "$base_tree"' EXIT
(cd "$base_tree" && mvn -B -q -o -Pbench package -DskipTests)
mvn -B -q -o -Pbench package -DskipTests
cp "$base_tree/target/wsk4j-benchmarks.jar" "$out/base.jar"
cp target/wsk4j-benchmarks.jar "$out/new.jar"
cpu() { java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -cp "$1" bench/SimCycleCpu.java "$2" 200000 | tail -1; }
for round in $(seq 1 "$rounds"); do
    echo "cpu round $round base $(cpu "$out/base.jar" none)" | tee -a "$out/results.txt"
    echo "cpu round $round new  $(cpu "$out/new.jar" none)" | tee -a "$out/results.txt"
done
for feature in none capture trace remote jitter held resolve; do
    echo "cpu feature $(cpu "$out/new.jar" "$feature")" | tee -a "$out/results.txt"
done
jmh() { java -Xms256m -Xmx256m -cp "$1" org.openjdk.jmh.Main SimulatedTransportBench -f 1 -wi 3 -w 1 -i 5 -r 1 \
        -p verifier=off "${@:2}" | grep -E '^SimulatedTransportBench'; }
for round in $(seq 1 "$rounds"); do
    echo "round $round base $(jmh "$out/base.jar")" | tee -a "$out/results.txt"
    echo "round $round new  $(jmh "$out/new.jar" -p feature=none)" | tee -a "$out/results.txt"
done
jmh "$out/new.jar" -p feature=none,capture,trace,remote,jitter,held,resolve | tee -a "$out/results.txt"
