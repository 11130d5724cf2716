#!/usr/bin/env bash
# Retrieval benchmark (docs/benchmarks.md, section "Retrieval"): a 400-slice 512×512 CT is
# stored in a throwaway local Orthanc (DICOMweb plugin), then fetched with our client and
# with curl (the same study-level multipart response, to /dev/null, and one request per
# instance, four at once, as the viewer's queue asks for a series on screen). Reports the time ratio,
# the time from "open study" to the first decoded image, and peak RSS / decoded study size.
# Usage: bench/retrieve.sh [SLICES] [RUNS]   (run from the repository root; Linux only)
set -euo pipefail

SLICES="${1:-400}"
RUNS="${2:-3}"
NHS=9912003888
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BENCH="$TARGET/release/examples/retrieve_bench"
WORK="$(mktemp -d -t nir-bench-XXXXXX)"
ORTHANC_PID=""

cleanup() {
    if [ -n "$ORTHANC_PID" ]; then kill "$ORTHANC_PID" 2>/dev/null || true; wait "$ORTHANC_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in Orthanc curl python3 dpkg; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: run make deps-test" >&2; exit 1; }
done
( cd "$ROOT" && cargo build --quiet --release --workspace --example retrieve_bench )

PLUGIN="$(dpkg -L orthanc-dicomweb | grep 'OrthancDicomWeb.so' | sort | head -n1)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$WORK/config.json" <<JSON
{ "Name": "nir-bench", "StorageDirectory": "$WORK/storage", "IndexDirectory": "$WORK/index",
  "HttpPort": $PORT, "DicomServerEnabled": false, "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "Plugins": ["$PLUGIN"],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/" } }
JSON
Orthanc "$WORK/config.json" >"$WORK/orthanc.log" 2>&1 &
ORTHANC_PID=$!
for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/system" >/dev/null && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/system" >/dev/null || { cat "$WORK/orthanc.log"; exit 1; }

BASE="http://127.0.0.1:$PORT/dicom-web/"
echo "Loading a ${SLICES}-slice CT into Orthanc..."
METADATA="$("$BENCH" load --base "$BASE" --count "$SLICES" --nhs "$NHS" | sed -n 's/^metadata=//p')"
STUDY_URL="${METADATA%/metadata}"
ACCEPT='Accept: multipart/related; type="application/dicom"; transfer-syntax=*'

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
value() { sed -n "s/^$1=//p"; }
elapsed() { # seconds a command takes, its output discarded
    local start; start="$(date +%s.%N)"
    "$@" >/dev/null 2>&1
    awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", e - s }'
}

measure() { # SERVER-LABEL METADATA-URL STUDY-URL
    local label="$1" metadata="$2" study="$3"
    curl -s -o /dev/null -H "$ACCEPT" "$study"   # warm the server's caches
    local arrival_s curl_s curl_meta_s ours_s raw_s first_s first_after_s meta_s out peak base decoded curl_each_s each_s
    local open_meta_s open_preview_s open_first_s open_whole_s open_adopted open_peak
    curl_meta_s="$(for _ in $(seq "$RUNS"); do curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/dicom+json' "$metadata"; done | median)"
    # curl and the viewer path one after the other in each run, so that the machine's
    # load, which moves curl alone by half, weighs on both alike.
    : > "$WORK/curl.txt"
    out="$(for _ in $(seq "$RUNS"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "$ACCEPT" "$study" >> "$WORK/curl.txt"
        "$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode study | tr '\n' ' '; echo
    done)"
    curl_s="$(median < "$WORK/curl.txt")"
    ours_s="$(echo "$out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2 | median)"
    arrival_s="$(echo "$out" | grep -o 'first_shown_seconds=[0-9.]*' | cut -d= -f2 | median)"
    raw_s="$(for _ in $(seq "$RUNS"); do "$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode raw | value seconds; done | median)"
    # One request per instance, four at once: curl over kept-alive connections, and ours
    # unverified (the viewer's client opens a connection per request).
    "$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode instances --list-urls > "$WORK/urls.txt"
    curl_each_s="$(for _ in $(seq "$RUNS"); do elapsed curl -s -Z --parallel-max 4 -H "$ACCEPT" -K "$WORK/urls.txt"; done | median)"
    each_s="$(for _ in $(seq "$RUNS"); do "$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode instances --concurrency 4 | value seconds; done | median)"
    out="$(for _ in $(seq "$RUNS"); do "$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode first | tr '\n' ' '; echo; done)"
    first_s="$(echo "$out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2 | median)"
    first_after_s="$(echo "$out" | grep -o 'after_metadata_seconds=[0-9.]*' | cut -d= -f2 | median)"
    meta_s="$(echo "$out" | grep -o '^metadata_seconds=[0-9.]*' | cut -d= -f2 | median)"
    # The viewer's open: the first series asked for beside the metadata.
    out="$(for _ in $(seq "$RUNS"); do "$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode open | tr '\n' ' '; echo; done)"
    open_meta_s="$(echo "$out" | grep -o 'metadata_seconds=[0-9.]*' | cut -d= -f2 | median)"
    open_preview_s="$(echo "$out" | grep -o 'preview_seconds=[-0-9.]*' | cut -d= -f2 | median)"
    open_first_s="$(echo "$out" | grep -o 'first_shown_seconds=[-0-9.]*' | cut -d= -f2 | median)"
    open_whole_s="$(echo "$out" | grep -o 'whole_seconds=[0-9.]*' | cut -d= -f2 | median)"
    open_adopted="$(echo "$out" | grep -o 'adopted=true' | wc -l)"
    open_peak="$(echo "$out" | grep -o 'peak_rss_bytes=[0-9]*' | cut -d= -f2 | sort -g | tail -1)"
    out="$("$BENCH" measure --metadata "$metadata" --nhs "$NHS" --mode study)"
    peak="$(echo "$out" | value peak_rss_bytes)"
    base="$(echo "$out" | value baseline_rss_bytes)"
    decoded="$(echo "$out" | value decoded_bytes)"
    python3 - "$label" "$curl_s" "$curl_meta_s" "$ours_s" "$raw_s" "$first_s" "$first_after_s" "$meta_s" "$peak" "$base" "$decoded" "$curl_each_s" "$each_s" "$arrival_s" \
        "$open_meta_s" "$open_preview_s" "$open_first_s" "$open_whole_s" "$open_adopted" "$RUNS" "$open_peak" <<'PY'
import sys
label, curl_s, curl_meta_s, ours_s, raw_s, first_s, first_after_s, meta_s, peak, base, decoded, curl_each_s, each_s, arrival_s = sys.argv[1:15]
open_meta_s, open_preview_s, open_first_s, open_whole_s = map(float, sys.argv[15:19])
open_adopted, runs, open_peak = int(sys.argv[19]), int(sys.argv[20]), int(sys.argv[21])
curl_s, curl_meta_s, ours_s, raw_s, first_s, first_after_s, meta_s, curl_each_s, each_s, arrival_s = map(
    float, (curl_s, curl_meta_s, ours_s, raw_s, first_s, first_after_s, meta_s, curl_each_s, each_s, arrival_s))
peak, base, decoded = int(peak), int(base), int(decoded)
print(f"[{label}] study {decoded/2**20:.0f} MB decoded")
print(f"[{label}] curl (one multipart request)      {curl_s:.3f} s")
print(f"[{label}] ours, viewer path (retrieve_study, after metadata) {ours_s:.3f} s   ratio {ours_s/curl_s:.2f} (target <= 1.2)")
print(f"[{label}] ours, same single request          {raw_s:.3f} s   ratio {raw_s/curl_s:.2f}")
print(f"[{label}] one request per instance, 4 at once: curl {curl_each_s:.3f} s, ours (unverified) {each_s:.3f} s; "
      f"viewer path / curl per instance {ours_s/curl_each_s:.2f}")
print(f"[{label}] viewer path: open study -> first image shown admitted {arrival_s*1000:.0f} ms (metadata, then its series request)")
print(f"[{label}] open study -> first decoded image  {first_s*1000:.0f} ms (target <= 300 ms); "
      f"metadata {meta_s*1000:.0f} ms (curl: {curl_meta_s*1000:.0f} ms) + first instance and decode {first_after_s*1000:.0f} ms")
print(f"[{label}] peak RSS / decoded size           {peak/decoded:.2f} (target <= 1.3; {(peak-base)/decoded:.2f} above the process baseline)")
ms = lambda s: "none" if s < 0 else f"{s*1000:.0f} ms"
print(f"[{label}] the viewer's open (first series asked for beside the metadata; adopted in {open_adopted} of {runs} runs): "
      f"preview decoded {ms(open_preview_s)} (target <= 300 ms), first image shown admitted {ms(open_first_s)}, "
      f"metadata {ms(open_meta_s)}, whole study admitted {ms(open_whole_s)} (metadata + curl: {(curl_meta_s + curl_s)*1000:.0f} ms); "
      f"peak RSS / decoded size {open_peak/decoded:.2f}")
PY
}

measure "orthanc" "$METADATA" "$STUDY_URL"
