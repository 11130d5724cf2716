#!/usr/bin/env bash
# Decode throughput per transfer syntax on the shared decode corpus: nir-viewer's `render`
# (run by `nir-render`, the same library code without the window's libraries, unless another
# binary with a `render` subcommand is given) side by side with DCMTK (dcmdjpeg, dcmdjpls, dcmdrle, dcmconv) and GDCM (gdcmconv --raw),
# each run as a command-line tool over the same files (read, decode, write). Process start-up
# is measured separately (`--version`) and subtracted, since the DCMTK and GDCM tools take
# one file per process while `render` takes them all in one. Prints a Markdown table of MB/s
# of decoded pixels (rows x columns x frames x samples x bytes allocated) and the ratios.
#
# A second table does the same on large synthetic images made at run time in a temporary
# directory (bench/large_images.py; >= 2000x2000 CR in six syntaxes, a multi-frame XA, a
# 400-slice CT), where nir-viewer writes stored values at their stored width (`--format
# raw`) as the other tools do.
#
# Usage: bench/decode.sh [BINARY]   (default: target/release/nir-render; target/release/
#        nir-viewer also works, its start-up, about 70 ms, then swamping single-file rows)
# Env:   NIR_SHARED_DIR (default ../shared), BENCH_REPEAT (default 5),
#        BENCH_LARGE_SCALE (default 1; smaller shrinks the large images),
#        BENCH_TABLES (default "corpus large"; either alone runs one table)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/nir-render}
corpus=${NIR_SHARED_DIR:-$root/../shared}/corpus
repeat=${BENCH_REPEAT:-5}
tables=" ${BENCH_TABLES:-corpus large} "
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release --bin nir-viewer --bin nir-render)" >&2; exit 1; }
if [[ $tables == *" corpus "* ]] && [ ! -f "$corpus/manifest.json" ]; then
    echo "no corpus at $corpus (set NIR_SHARED_DIR)" >&2; exit 1
fi
# Outputs (and the large images) go to memory (/dev/shm) where there is one, so that what is
# timed is decoding, not the disk's write-back of a few hundred megabytes of output, which
# stalled every tool at random by up to 200 ms here.
scratch=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One line per transfer syntax: "uid<TAB>name<TAB>decoded bytes<TAB>file file ..."
[[ $tables == *" corpus "* ]] && python3 - "$corpus" > "$scratch/groups.tsv" <<'PY'
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

# Seconds of work from one repetition's nanosecond times: the median repetition, less
# $2 process start-ups of $3 seconds each, times the number of repetitions (so rates read as
# over all of them); "start-up" when less than a tenth of it is left. The median, not the
# sum, so a single stall of this shared VM (100-200 ms at times) does not decide a row
# whose work takes 15 ms; every tool is timed the same way.
work_seconds() {
    local times=$1 processes=$2 start_cost=$3
    tr ' ' '\n' <<<"$times" | grep . | sort -n | awk -v n="$processes" -v c="$start_cost" -v r="$repeat" \
        '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)] / 1e9; t = m - n * c;
           if (t < m / 10) print "start-up"; else printf "%.6f", t * r }'
}

# Run "$@" once per file (FILE replaced), $repeat times; print seconds without process
# start-up ($2 = start-up of one run), or "fail".
time_tool() {
    local files=$1 start_cost=$2; shift 2
    local start f count times=""
    count=$(wc -w <<<"$files")
    for _ in $(seq "$repeat"); do
        start=$(now)
        for f in $files; do
            local args=()
            for a in "$@"; do args+=("${a//FILE/$f}"); done
            "${args[@]}" >/dev/null 2>&1 || { echo fail; return; }
        done
        times+="$(($(now) - start)) "
    done
    work_seconds "$times" "$count" "$start_cost"
}

# `render` with every file of the list, $repeat times over, one process per repetition
# ($3: --format, default npy). `render` decodes the files of one call side by side, so one
# call per repetition keeps a single file's rate that of one file, not of several at once.
time_nir() {
    local files=$1 start_cost=$2 format=${3:-npy} start times=""
    for _ in $(seq "$repeat"); do
        start=$(now)
        "$bin" render $files --out "$scratch/nir" --format "$format" >/dev/null 2>&1 \
            || { echo fail; return; }
        times+="$(($(now) - start)) "
    done
    work_seconds "$times" 1 "$start_cost"
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
    case "$2" in fail|n/a) echo "$2"; return ;; start-up) echo "(start-up)"; return ;; esac
    awk -v s="$1" -v r="$repeat" -v t="$2" 'BEGIN { printf "%.1f", s * r / 1048576 / t }'
}
ratio() {
    case "$1/$2" in *fail*|*n/a*|*start-up*) echo "n/a"; return ;; esac
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

nir=("$bin" render FILE --out "$scratch/nir")
gdcm=(gdcmconv --raw FILE "$scratch/gdcm.dcm")
mkdir -p "$scratch/nir"
echo "nir-viewer columns: \`$(basename "$bin") render\` ($("$bin" --version 2>/dev/null || echo "no version"))."
nir_start=$(startup "$bin")
gdcm_start=$(startup gdcmconv)
declare -A dcmtk_start
for tool in dcmdjpeg dcmdjpls dcmdrle dcmconv; do dcmtk_start[$tool]=$(startup "$tool"); done
echo "Process start-up subtracted (s): nir-viewer $nir_start, gdcmconv $gdcm_start," \
    "dcmdjpeg ${dcmtk_start[dcmdjpeg]}, dcmdjpls ${dcmtk_start[dcmdjpls]}," \
    "dcmdrle ${dcmtk_start[dcmdrle]}, dcmconv ${dcmtk_start[dcmconv]}; $repeat repetitions."
[[ $tables == *" corpus "* ]] || : > "$scratch/groups.tsv"
if [ -s "$scratch/groups.tsv" ]; then
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
fi

# ---- Large images ------------------------------------------------------------------------
# Synthetic images (bench/large_images.py: no clinical data) made in the scratch directory,
# compressed there with DCMTK and GDCM, and removed at exit. nir-viewer runs `render --format
# raw` (stored values at their stored width, as the DCMTK and GDCM tools write native Pixel
# Data) and, for comparison, `render` to float32 .npy. BENCH_LARGE_SCALE (default 1) shrinks
# the images for a quick check of the script.
[[ $tables == *" large "* ]] || exit 0
large=$scratch/large
mkdir -p "$large/ct_sv1"
python3 "$root/bench/large_images.py" "$large" --scale "${BENCH_LARGE_SCALE:-1}"
(
    cd "$large"
    for image in cr tiny; do
        dcmcjpeg +ee $image.dcm ${image}_extended.dcm
        dcmcjpeg +e1 $image.dcm ${image}_sv1.dcm
        dcmcjpls +el $image.dcm ${image}_jpegls.dcm
        gdcmconv --j2k $image.dcm ${image}_j2k.dcm
        dcmcrle $image.dcm ${image}_rle.dcm
    done
    dcmcjpeg +eb xa.dcm xa_baseline.dcm
    dcmcjpeg +eb tiny8.dcm tiny8_baseline.dcm
    for f in ct/*.dcm; do dcmcjpeg +e1 "$f" "ct_sv1/${f#ct/}"; done
)

# Nanoseconds one pass of "$@" over $2 takes (FILE replaced by each file in turn, one
# process per file); with $1 = strict, "fail" if a run fails, else failures are timed too.
run_over() {
    local mode=$1 files=$2; shift 2
    local start f a args
    start=$(now)
    for f in $files; do
        args=()
        for a in "$@"; do args+=("${a//FILE/$f}"); done
        "${args[@]}" >/dev/null 2>&1 || [ "$mode" != strict ] || { echo fail; return; }
    done
    echo $(($(now) - start))
}

# Nanoseconds one `render` of all of $1 takes ($2: --format), or "fail".
run_nir() {
    local start
    start=$(now)
    "$bin" render $1 --out "$scratch/nir" --format "$2" >/dev/null 2>&1 || { echo fail; return; }
    echo $(($(now) - start))
}

# One repetition for one tool, paired: "DIFFERENCE TOTAL" in nanoseconds, where TOTAL is one
# pass over the row's files $1 and DIFFERENCE is TOTAL less one start-up per process, the
# start-up being the same tool's run on the row's 16 x 16 image $2 just before. Timing each
# tool's start-up and work side by side, and the tools one after another within each
# repetition, lets a slow spell of this shared VM weigh on every tool alike instead of on
# whichever tool it fell on. "fail fail" if a run fails.
sample_tool() {
    local files=$1 tiny=$2; shift 2
    local count start total
    count=$(wc -w <<<"$files")
    start=$(run_over lenient "$tiny" "$@")
    total=$(run_over strict "$files" "$@")
    [ "$total" = fail ] && { echo "fail fail"; return; }
    echo "$((total - count * start)) $total"
}

sample_nir() {
    local files=$1 tiny=$2 format=$3 start total
    start=$(run_nir "$tiny" "$format")
    total=$(run_nir "$files" "$format")
    [ "$total" = fail ] && { echo "fail fail"; return; }
    [ "$start" = fail ] && start=0
    echo "$((total - start)) $total"
}

median_ns() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Seconds of work (times the repetitions, so rates read as before) from the repetitions'
# differences $1 and totals $2: the median difference; "start-up" when it is less than a
# tenth of the median total; "fail" if a run failed.
paired_seconds() {
    case "$1 $2" in *fail*) echo fail; return ;; esac
    awk -v d="$(median_ns "$1")" -v t="$(median_ns "$2")" -v r="$repeat" \
        'BEGIN { if (d < t / 10) print "start-up"; else printf "%.6f", d / 1e9 * r }'
}

# Decoded bytes (rows x columns x frames x samples x bytes allocated) of the files given.
dicom_bytes() {
    python3 - "$@" <<'PY'
import sys
import pydicom
total = 0
for path in sys.argv[1:]:
    d = pydicom.dcmread(path, stop_before_pixels=True)
    frames = int(getattr(d, "NumberOfFrames", 1) or 1)
    total += d.Rows * d.Columns * frames * d.SamplesPerPixel * max(1, d.BitsAllocated // 8)
print(total)
PY
}

# "exact" when `render --format raw` wrote the native source's Pixel Data byte for byte
# ($1 raw output, $2 native source); else the largest difference of a sample.
lossless_check() {
    python3 - "$1" "$2" <<'PY'
import sys
import numpy as np
import pydicom
raw, source = sys.argv[1], sys.argv[2]
d = pydicom.dcmread(source)
dtype = np.uint8 if d.BitsAllocated == 8 else np.uint16
want = np.frombuffer(d.PixelData, dtype)
got = np.fromfile(raw, dtype)
if got.size != want.size:
    print(f"size {got.size} != {want.size}")
elif np.array_equal(got, want):
    print("exact")
else:
    print("max diff %d" % np.abs(got.astype(np.int64) - want.astype(np.int64)).max())
PY
}

echo
echo "Large synthetic images (bench/large_images.py); nir-viewer \`render --format raw\`" \
    "(stored width) against the DCMTK and GDCM tools, and \`render\` to float32 .npy beside it;" \
    "each tool's run on a 16 x 16 image of the row's syntax, just before its run in the same" \
    "repetition, subtracted as its start-up (median of the repetitions' differences)."
echo
echo "| image | transfer syntax | files | decoded MB | nir-viewer raw MB/s | nir-viewer npy MB/s | DCMTK MB/s | GDCM MB/s | raw / DCMTK | raw / GDCM | output |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
# image label, transfer syntax, DCMTK decoder, native source (for the lossless check),
# 16 x 16 image of the syntax (for start-up), files
while IFS='|' read -r label syntax tool source tiny pattern; do
    files=$(echo $large/$pattern)
    tiny=$large/$tiny
    size=$(dicom_bytes $files)
    megabytes=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
    [ "$tool" = - ] || read -ra dcmtk <<<"$tool FILE $scratch/dcmtk.dcm"
    raw_d="" raw_t="" npy_d="" npy_t="" dcmtk_d="" dcmtk_t="" gdcm_d="" gdcm_t=""
    for _ in $(seq "$repeat"); do
        read -r d t <<<"$(sample_nir "$files" "$tiny" raw)"; raw_d+="$d "; raw_t+="$t "
        read -r d t <<<"$(sample_nir "$files" "$tiny" npy)"; npy_d+="$d "; npy_t+="$t "
        if [ "$tool" != - ]; then
            read -r d t <<<"$(sample_tool "$files" "$tiny" "${dcmtk[@]}")"
            dcmtk_d+="$d "; dcmtk_t+="$t "
        fi
        read -r d t <<<"$(sample_tool "$files" "$tiny" "${gdcm[@]}")"; gdcm_d+="$d "; gdcm_t+="$t "
    done
    raw_rate=$(mbps "$size" "$(paired_seconds "$raw_d" "$raw_t")")
    npy_rate=$(mbps "$size" "$(paired_seconds "$npy_d" "$npy_t")")
    check=lossy
    if [ "$raw_rate" = fail ]; then check=fail
    elif [ "$source" != - ]; then
        last=${files##* }; stem=$(basename "$last" .dcm)
        check=$(lossless_check "$scratch/nir/$stem.raw" "$large/${source//STEM/$stem}")
    fi
    if [ "$tool" = - ]; then dcmtk_rate=n/a
    else dcmtk_rate=$(mbps "$size" "$(paired_seconds "$dcmtk_d" "$dcmtk_t")"); fi
    gdcm_rate=$(mbps "$size" "$(paired_seconds "$gdcm_d" "$gdcm_t")")
    echo "| $label | $syntax | $(wc -w <<<"$files") | $megabytes | $raw_rate | $npy_rate | $dcmtk_rate | $gdcm_rate | $(ratio "$raw_rate" "$dcmtk_rate") | $(ratio "$raw_rate" "$gdcm_rate") | $check |"
done <<'ROWS'
CR 3000x2500, 12-bit|Explicit VR Little Endian|dcmconv +te|cr.dcm|tiny.dcm|cr.dcm
CR 3000x2500, 12-bit|JPEG Extended (12-bit)|dcmdjpeg|-|tiny_extended.dcm|cr_extended.dcm
CR 3000x2500, 12-bit|JPEG Lossless SV1|dcmdjpeg|cr.dcm|tiny_sv1.dcm|cr_sv1.dcm
CR 3000x2500, 12-bit|JPEG-LS Lossless|dcmdjpls|cr.dcm|tiny_jpegls.dcm|cr_jpegls.dcm
CR 3000x2500, 12-bit|JPEG 2000 Lossless|-|cr.dcm|tiny_j2k.dcm|cr_j2k.dcm
CR 3000x2500, 12-bit|RLE Lossless|dcmdrle|cr.dcm|tiny_rle.dcm|cr_rle.dcm
XA 60x1024x1024, 8-bit|Explicit VR Little Endian|dcmconv +te|xa.dcm|tiny8.dcm|xa.dcm
XA 60x1024x1024, 8-bit|JPEG Baseline|dcmdjpeg|-|tiny8_baseline.dcm|xa_baseline.dcm
CT 400x512x512, 16-bit|Explicit VR Little Endian|dcmconv +te|ct/STEM.dcm|tiny.dcm|ct/*.dcm
CT 400x512x512, 16-bit|JPEG Lossless SV1|dcmdjpeg|ct/STEM.dcm|tiny_sv1.dcm|ct_sv1/*.dcm
ROWS
