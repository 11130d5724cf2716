#!/usr/bin/env bash
# Decode throughput per transfer syntax on the shared decode corpus: nir-viewer's `render`
# side by side with DCMTK (dcmdjpeg, dcmdjpls, dcmdrle, dcmconv) and GDCM (gdcmconv --raw),
# each run as a command-line tool over the same files (read, decode, write). Process start-up
# is measured separately (`--version`) and subtracted, since the DCMTK and GDCM tools take
# one file per process while `render` takes them all in one. Prints a Markdown table of MB/s
# of decoded pixels (rows x columns x frames x samples x bytes allocated) and the ratios.
#
# Usage: bench/decode.sh [NIR_VIEWER_BINARY]   (default: target/release/nir-viewer)
# Env:   NIR_SHARED_DIR (default ../shared), BENCH_REPEAT (default 5)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/nir-viewer}
corpus=${NIR_SHARED_DIR:-$root/../shared}/corpus
repeat=${BENCH_REPEAT:-5}
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release --bin nir-viewer)" >&2; exit 1; }
[ -f "$corpus/manifest.json" ] || { echo "no corpus at $corpus (set NIR_SHARED_DIR)" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One line per transfer syntax: "uid<TAB>name<TAB>decoded bytes<TAB>file file ..."
python3 - "$corpus" > "$scratch/groups.tsv" <<'PY'
import json, sys, collections
corpus = sys.argv[1]
manifest = json.load(open(f"{corpus}/manifest.json"))
groups = collections.OrderedDict()
for e in manifest["files"]:
    if e["expected_outcome"] != "decode":
        continue
    uid = e["transfer_syntax_uid"] or "1.2.840.10008.1.2"
    name = e["transfer_syntax_name"] if e["transfer_syntax_uid"] else "Implicit VR Little Endian"
    frames = int(e["frames"] or 1)
    size = e["rows"] * e["cols"] * frames * e["samples_per_pixel"] * max(1, e["bits_allocated"] // 8)
    g = groups.setdefault(uid, [name, 0, []])
    g[1] += size
    g[2].append(f"{corpus}/{e['file']}")
for uid, (name, size, files) in groups.items():
    print("\t".join([uid, name, str(size)] + files))
PY

now() { date +%s%N; }

# Seconds one start of "$@" takes (median of 11 runs of `"$@" --version`).
startup() {
    local runs=() start end
    for _ in $(seq 11); do
        start=$(now); "$@" --version >/dev/null 2>&1 || true; end=$(now)
        runs+=($((end - start)))
    done
    printf '%s\n' "${runs[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.6f", v[6] / 1e9 }'
}

# Run "$@" once per file (FILE replaced), $repeat times; print seconds without process
# start-up ($2 = start-up of one run), or "fail".
time_tool() {
    local files=$1 start_cost=$2; shift 2
    local start end f runs=0
    start=$(now)
    for _ in $(seq "$repeat"); do
        for f in $files; do
            local args=()
            for a in "$@"; do args+=("${a//FILE/$f}"); done
            "${args[@]}" >/dev/null 2>&1 || { echo fail; return; }
            runs=$((runs + 1))
        done
    done
    end=$(now)
    awk -v a="$start" -v b="$end" -v n="$runs" -v c="$start_cost" \
        'BEGIN { t = (b - a) / 1e9 - n * c; printf "%.6f", (t > 1e-6 ? t : 1e-6) }'
}

# `render` with every file of the list, $repeat times over, in one process.
time_nir() {
    local files=$1 start_cost=$2 all=() start end
    for _ in $(seq "$repeat"); do all+=($files); done
    start=$(now)
    "$bin" render "${all[@]}" --out "$scratch/nir" >/dev/null 2>&1 || { echo fail; return; }
    end=$(now)
    awk -v a="$start" -v b="$end" -v c="$start_cost" \
        'BEGIN { t = (b - a) / 1e9 - c; printf "%.6f", (t > 1e-6 ? t : 1e-6) }'
}

# The files of a list that "$@" (with FILE replaced) handles without error.
files_ok() {
    local files=$1; shift
    local f ok=()
    for f in $files; do
        local args=()
        for a in "$@"; do args+=("${a//FILE/$f}"); done
        "${args[@]}" >/dev/null 2>&1 && ok+=("$f")
    done
    echo "${ok[*]:-}"
}

intersect() { comm -12 <(tr ' ' '\n' <<<"$1" | sort) <(tr ' ' '\n' <<<"$2" | sort) | tr '\n' ' '; }

decoded_bytes() {
    python3 - "$corpus" "$@" <<'PY'
import json, sys, os
corpus, files = sys.argv[1], set(os.path.basename(f) for f in sys.argv[2:])
total = 0
for e in json.load(open(f"{corpus}/manifest.json"))["files"]:
    if os.path.basename(e["file"]) in files:
        total += e["rows"] * e["cols"] * int(e["frames"] or 1) * e["samples_per_pixel"] * max(1, e["bits_allocated"] // 8)
print(total)
PY
}

dcmtk_tool() {
    case $1 in
        1.2.840.10008.1.2.4.50|1.2.840.10008.1.2.4.51|1.2.840.10008.1.2.4.57|1.2.840.10008.1.2.4.70) echo dcmdjpeg ;;
        1.2.840.10008.1.2.4.80|1.2.840.10008.1.2.4.81) echo dcmdjpls ;;
        1.2.840.10008.1.2.5) echo dcmdrle ;;
        1.2.840.10008.1.2|1.2.840.10008.1.2.1|1.2.840.10008.1.2.2|1.2.840.10008.1.2.1.99) echo "dcmconv +te" ;;
        *) echo "" ;;
    esac
}

mbps() {
    case "$2" in fail|n/a) echo "$2"; return ;; esac
    awk -v s="$1" -v r="$repeat" -v t="$2" 'BEGIN { printf "%.1f", s * r / 1048576 / t }'
}
ratio() {
    case "$1/$2" in *fail*|*n/a*) echo "n/a"; return ;; esac
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

nir=("$bin" render FILE --out "$scratch/nir")
gdcm=(gdcmconv --raw FILE "$scratch/gdcm.dcm")
mkdir -p "$scratch/nir"
nir_start=$(startup "$bin")
gdcm_start=$(startup gdcmconv)
declare -A dcmtk_start
for tool in dcmdjpeg dcmdjpls dcmdrle dcmconv; do dcmtk_start[$tool]=$(startup "$tool"); done
echo "Process start-up subtracted (s): nir-viewer $nir_start, gdcmconv $gdcm_start," \
    "dcmdjpeg ${dcmtk_start[dcmdjpeg]}, dcmdjpls ${dcmtk_start[dcmdjpls]}," \
    "dcmdrle ${dcmtk_start[dcmdrle]}, dcmconv ${dcmtk_start[dcmconv]}; $repeat repetitions."
echo
echo "| transfer syntax | files timed | decoded MB | nir-viewer MB/s | DCMTK MB/s | GDCM MB/s | nir / DCMTK | nir / GDCM |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
while IFS=$'\t' read -r uid name _size files; do
    read -ra dcmtk <<<"$(dcmtk_tool "$uid") FILE $scratch/dcmtk.dcm"
    common=$(files_ok "$files" "${nir[@]}")
    gdcm_ok=$(files_ok "$common" "${gdcm[@]}")
    [ -n "$gdcm_ok" ] && common=$(intersect "$common" "$gdcm_ok")
    if [ "${dcmtk[0]}" != FILE ]; then
        dcmtk_ok=$(files_ok "$common" "${dcmtk[@]}")
        [ -n "$dcmtk_ok" ] && common=$(intersect "$common" "$dcmtk_ok")
    fi
    [ -n "${common// }" ] || { echo "| $name | 0 | | fail | | | | |"; continue; }
    size=$(decoded_bytes $common)
    megabytes=$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }')
    nir_rate=$(mbps "$size" "$(time_nir "$common" "$nir_start")")
    if [ "${dcmtk[0]}" = FILE ] || [ -z "${dcmtk_ok:-}" ]; then dcmtk_rate=n/a
    else dcmtk_rate=$(mbps "$size" "$(time_tool "$common" "${dcmtk_start[${dcmtk[0]}]}" "${dcmtk[@]}")"); fi
    if [ -z "$gdcm_ok" ]; then gdcm_rate=fail
    else gdcm_rate=$(mbps "$size" "$(time_tool "$common" "$gdcm_start" "${gdcm[@]}")"); fi
    count=$(wc -w <<<"$common")
    echo "| $name | $count/$(wc -w <<<"$files") | $megabytes | $nir_rate | $dcmtk_rate | $gdcm_rate | $(ratio "$nir_rate" "$dcmtk_rate") | $(ratio "$nir_rate" "$gdcm_rate") |"
    unset dcmtk_ok
done < "$scratch/groups.tsv"
