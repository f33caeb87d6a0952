#!/usr/bin/env bash
# A/B benchmark of the working tree against an earlier commit, interleaved in one run, for a shared or noisy
# machine: builds both benchmark jars, then runs short rounds alternating base and working tree (each round one
# JMH fork per configuration) and reports, per configuration, the median score of each side and the median of the
# per-round ratios (working tree / base). Needs git, Maven, python3; gcc for the C epoll contender (run with the
# working tree's jar only: it is the same program on both sides).
#   bench/ab.sh BASE_COMMIT [ROUNDS] [OUT_DIR]        default 3 rounds, target/ab
# The configurations: ConnectRateBench, ConnectLatencyBench (p50), EchoBench (1 and 16 connections x 1 KiB and
# 64 KiB), SimulatedTransportBench (verifier off / sampled = the defaults), DataPathOverheadBench (reused IRPs, with
# JMH's gc profiler for allocation per message), the C contender's benchmarks, heap per socket (ScaleMemory), and
# CPU time and context switches per operation (CpuPerOp, compiled against each jar: what a loaded machine does not
# hide, unlike wall-clock throughput).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/ab.sh BASE_COMMIT [ROUNDS] [OUT_DIR]}
rounds=${2:-3}
out=${3:-target/ab}
mkdir -p "$out"
out=$(cd "$out" && pwd)
basedir=$(mktemp -d)
git archive "$base" | tar -x -C "$basedir"
(cd "$basedir" && mvn -B -q -o -Pbench package)
cp "$basedir/target/wsk4j-benchmarks.jar" "$out/base.jar"
rm -rf "$basedir"
mvn -B -q -o -Pbench package
cp target/wsk4j-benchmarks.jar "$out/new.jar"
native=()
if command -v gcc >/dev/null 2>&1 && gcc -O2 -o "$out/epoll_client" bench/c/epoll_client.c; then
    native=(-jvmArgsAppend "-Dbench.cEpoll=$out/epoll_client")
fi
common=(-f 1 -wi 2 -w 1 -i 3 -r 1 -rf json -jvmArgs "-Xms1g -Xmx1g -XX:+UseG1GC -Dio.netty.eventLoopThreads=1")
sets=(
    "ConnectRateBench -p impl=nio,wsk-socketConnect,wsk-socketConnect-direct,wsk-socketBindConnect,async,netty"
    "ConnectLatencyBench -p impl=nio,nio-blocking,wsk-socketConnect,wsk-socketConnect-direct,wsk-socketBindConnect"
    "EchoBench"
    "SimulatedTransportBench -p verifier=off,sampled"
    "DataPathOverheadBench -p irps=reuse -prof gc"
)
for round in $(seq 1 "$rounds"); do
    for side in base new; do
        i=0
        for set in "${sets[@]}"; do
            i=$((i + 1))
            # shellcheck disable=SC2086
            java -cp "$out/$side.jar" org.openjdk.jmh.Main $set "${common[@]}" \
                -rff "$out/$side-r$round-s$i.json" > "$out/$side-r$round-s$i.log" 2>&1 || echo "failed: $side $set"
        done
        if [[ "$side" == new && ${#native[@]} -gt 0 ]]; then
            java -cp "$out/new.jar" org.openjdk.jmh.Main 'CEpoll' "${common[@]}" "${native[@]}" \
                -rff "$out/c-r$round.json" > "$out/c-r$round.log" 2>&1 || echo "failed: C contender"
        fi
    done
done
for side in base new; do
    mkdir -p "$out/cpu-$side"
    javac -nowarn -cp "$out/$side.jar" -d "$out/cpu-$side" src/jmh/java/org/wsk4j/bench/CpuPerOp.java
done
: > "$out/cpu.txt"
for round in $(seq 1 "$rounds"); do
    for side in base new; do
        cp="$out/cpu-$side:$out/$side.jar"
        for impl in nio-blocking nio wsk-socketConnect wsk-socketConnect-direct wsk-socketBindConnect; do
            java -Xms512m -Xmx512m -cp "$cp" org.wsk4j.bench.CpuPerOp connect $impl 3000 2>/dev/null \
                | sed "s/^/$round $side /" >> "$out/cpu.txt" || true
        done
        for cfg in "1 1024 20480" "16 1024 20480" "16 65536 10240"; do
            for impl in nio wsk wsk-direct; do
                # shellcheck disable=SC2086
                java -Xms512m -Xmx512m -cp "$cp" org.wsk4j.bench.CpuPerOp echo $impl $cfg 2>/dev/null \
                    | sed "s/^/$round $side /" >> "$out/cpu.txt" || true
            done
        done
    done
done
for side in base new; do
    java -Xms512m -Xmx512m -XX:+UseSerialGC -cp "$out/$side.jar" org.wsk4j.bench.ScaleMemory 10000 \
        "$out/$side-memory.json" > "$out/$side-memory.log" 2>&1 || echo "failed: ScaleMemory $side"
done
python3 - "$out" "$rounds" <<'PY'
import json, os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(path):
    rows = {}
    if not os.path.exists(path):
        return rows
    try:
        data = json.load(open(path))
    except ValueError:
        return rows  # a run that failed left an empty file
    for r in data:
        name = r["benchmark"].replace("org.wsk4j.bench.", "")
        params = " ".join(f"{k}={v}" for k, v in sorted((r.get("params") or {}).items()))
        m = r["primaryMetric"]
        score = m["scorePercentiles"]["50.0"] if r["mode"] == "sample" else m["score"]
        rows[(name, params, "score")] = (score, m["scoreUnit"] + (" p50" if r["mode"] == "sample" else ""))
        alloc = (r.get("secondaryMetrics") or {}).get("·gc.alloc.rate.norm") or (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
        if alloc:
            rows[(name, params, "alloc")] = (alloc["score"], "B/op")
    return rows
per = {}
for rnd in range(1, rounds + 1):
    for side in ("base", "new"):
        for f in sorted(os.listdir(out)):
            if f.startswith(f"{side}-r{rnd}-s") and f.endswith(".json"):
                for k, v in load(os.path.join(out, f)).items():
                    per.setdefault(k, {}).setdefault(side, {})[rnd] = v
    for k, v in load(os.path.join(out, f"c-r{rnd}.json")).items():
        per.setdefault(k, {}).setdefault("new", {})[rnd] = v
lines = ["| benchmark | configuration | metric | base median | new median | unit | new/base per round (median) |",
         "| --- | --- | --- | ---: | ---: | --- | ---: |"]
for (name, params, metric), sides in sorted(per.items()):
    b, n = sides.get("base", {}), sides.get("new", {})
    unit = (list(n.values()) or list(b.values()))[0][1]
    bm = statistics.median(v[0] for v in b.values()) if b else float("nan")
    nm = statistics.median(v[0] for v in n.values()) if n else float("nan")
    ratios = [n[r][0] / b[r][0] for r in n if r in b and b[r][0]]
    rm = statistics.median(ratios) if ratios else float("nan")
    lines.append(f"| {name} | {params} | {metric} | {bm:,.2f} | {nm:,.2f} | {unit} | {rm:.3f} ({', '.join(f'{x:.2f}' for x in ratios)}) |")
for side in ("base", "new"):
    p = os.path.join(out, f"{side}-memory.json")
    if os.path.exists(p):
        lines.append(f"\nheap ({side}): {open(p).read().strip()}")
cpu = {}
if os.path.exists(os.path.join(out, "cpu.txt")):
    for line in open(os.path.join(out, "cpu.txt")):
        p = line.split()
        if len(p) == 7:
            cpu.setdefault((p[2], p[3]), {}).setdefault(p[1], {})[int(p[0])] = (float(p[4]), float(p[5]))
if cpu:
    lines += ["", "| workload | client | CPU µs/op base | new | new/base per round (median) | context switches/op base | new |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for (work, impl), sides in cpu.items():
        b, n = sides.get("base", {}), sides.get("new", {})
        med = lambda d, i: statistics.median(v[i] for v in d.values()) if d else float("nan")
        ratios = [n[r][0] / b[r][0] for r in n if r in b and b[r][0]]
        rm = statistics.median(ratios) if ratios else float("nan")
        lines.append(f"| {work} | {impl} | {med(b, 0):.1f} | {med(n, 0):.1f} | {rm:.2f} ({', '.join(f'{x:.2f}' for x in ratios)}) | {med(b, 1):.2f} | {med(n, 1):.2f} |")
text = "\n".join(lines) + "\n"
open(os.path.join(out, "ab-summary.md"), "w").write(text)
print(text)
PY
