#!/bin/sh
# Fills fuzz/corpus/<target>/ with seed inputs from the repository's own
# traces (copied, not committed: the corpus folder is ignored by git), so a
# run starts from valid traces of every encoding. Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seed() {
    target=$1
    shift
    mkdir -p "$here/corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        # Seeds above 64 KiB only slow the fuzzer down.
        [ "$(wc -c < "$f")" -le 65536 ] || continue
        cp "$f" "$here/corpus/$target/$(basename "$(dirname "$f")")_$(basename "$f")"
    done
}
jsonl=$(find "$root/examples/traces" "$root/tests/data" "$root/detector/tests/data" "$root/detector/tests/fixtures" "$root/cli/tests/data" -name '*.jsonl' 2>/dev/null)
json=$(find "$root/detector/tests" "$root/cli/tests/data" -name '*.json' 2>/dev/null)
std=$(find "$root/detector/tests" "$root/cli/tests/data" "$root/tests" -name '*.std' 2>/dev/null)
# The repository keeps its traces as text: the binary seeds are the JSON
# Lines traces converted by the lockscope binary.
mkdir -p "$here/target/seed-binary"
for f in $(find "$root/examples/traces" -name '*.jsonl'); do
    out="$here/target/seed-binary/$(basename "$f" .jsonl).lsb"
    [ -f "$out" ] || cargo run --manifest-path "$root/Cargo.toml" -q --bin lockscope -- \
        -q convert "$f" "$out"
done
binary=$(find "$here/target/seed-binary" -name '*.lsb')
# shellcheck disable=SC2086 # word splitting of the lists is intended
seed jsonl $jsonl
# shellcheck disable=SC2086
seed json_doc $json $jsonl
# shellcheck disable=SC2086
seed std $std
# shellcheck disable=SC2086
seed binary $binary
# shellcheck disable=SC2086
seed analyze $jsonl $json $std $binary
for t in jsonl json_doc std binary analyze; do
    echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"
done
