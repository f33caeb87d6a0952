#!/usr/bin/env bash
# Makes the screenshots in docs/images/ (see docs/simulation.md, "Traces people can look at"):
#   wireshark-sim-pcap.png   the pcap a simulated exchange writes (docs/tools/TraceSample.java), opened in the
#                            Wireshark GUI under a virtual X server
#   speedscope-irp-timeline.png  the IRP timeline of the same exchange on real loopback sockets, opened in speedscope
# Needs (installed for this step only, nothing of it is committed): Debian's wireshark-qt, xvfb, xauth, x11-apps
# (xwd), x11-utils (xwininfo), netpbm and chromium; node/npm (speedscope and playwright-core go to a temp dir).
#   apt-get install --no-install-recommends wireshark-qt xvfb xauth x11-apps x11-utils netpbm chromium
#   docs/tools/screenshots.sh            (from the repository root; builds with mvn -o first)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill "${http_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
mvn -B -q -o compile
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime
cp="target/classes:$(cat "$work/cp.txt")"
java -cp "$cp" docs/tools/TraceSample.java "$work" > /dev/null 2>&1
java -cp "$cp" docs/tools/TraceSample.java "$work" nio > /dev/null 2>&1
mkdir -p docs/images

# Wireshark: its own window, captured with xwd once it shows the file.
cat > "$work/wireshark.sh" <<'INNER'
#!/usr/bin/env bash
set -u
conf=$(mktemp -d)
printf 'gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: 1000\ngui.geometry_main_height: 560\ngui.geometry_main_maximized: FALSE\n' > "$conf/recent_common"
WIRESHARK_CONFIG_DIR=$conf wireshark -r "$1" > /dev/null 2>&1 &
pid=$!
id=
for _ in $(seq 1 300); do   # wait for the main window titled after the file (up to 60 s)
    id=$(xwininfo -root -tree 2>/dev/null | awk '/sample.pcap/ {print $1; exit}')
    [ -n "$id" ] && break
    sleep 0.2
done
sleep 2   # the packet list fills after the window maps
xwd -id "$id" -silent > "$2"
kill "$pid"
INNER
chmod +x "$work/wireshark.sh"
xvfb-run -a -s "-screen 0 1100x620x24" "$work/wireshark.sh" "$work/sample.pcap" "$work/wireshark.xwd"
xwdtopnm "$work/wireshark.xwd" 2>/dev/null | pnmquant 64 2>/dev/null | pnmtopng -compression 9 > docs/images/wireshark-sim-pcap.png

# speedscope: served locally, opened in headless Chromium by playwright-core.
(cd "$work" && npm init -y > /dev/null && npm install --silent --no-audit --no-fund speedscope playwright-core)
mkdir "$work/site"
cp -r "$work/node_modules/speedscope/dist/release/." "$work/site/"
cp "$work/sample-nio.trace.json" "$work/site/"
(cd "$work/site" && exec python3 -m http.server 8765 --bind 127.0.0.1 > /dev/null 2>&1) &
http_pid=$!
NODE_PATH="$work/node_modules" node docs/tools/speedscope-shot.js \
    'http://127.0.0.1:8765/index.html#profileURL=http://127.0.0.1:8765/sample-nio.trace.json' \
    "$work/speedscope.png" 1000 380 Sandwich
pngtopnm "$work/speedscope.png" | pnmquant 64 2>/dev/null | pnmtopng -compression 9 > docs/images/speedscope-irp-timeline.png
ls -l docs/images/
