#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# layers: lib/ is four folders, and each file includes only its own layer's headers and those of
# the layers under it (lib/meson.build draws the picture):
#   basic   includes basic
#   api     includes basic, api
#   store   includes basic, store
#   action  includes basic, store, action
# and vumaerp-api, which links only the front library (basic and api), includes nothing else.
# build-config.h, made by meson, is everyone's. A header no folder holds is an error too.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
: "${SOURCE_DIR:?}"
keep_going

declare -A allowed=(
        [basic]="basic"
        [api]="basic api"
        [store]="basic store"
        [action]="basic store action"
)

layer_of() {
        local d
        for d in basic api store action; do
                [ -e "$SOURCE_DIR/lib/$d/$1" ] && { echo "$d"; return; }
        done
        echo none
}

check_file() { # file, the layers it may include
        local f=$1 may=$2 h l
        while read -r h; do
                [ "$h" = build-config.h ] && continue
                l=$(layer_of "$h")
                [ "$l" = none ] && { fail "${f#"$SOURCE_DIR"/} includes \"$h\", which no lib/ folder holds"; continue; }
                [[ " $may " == *" $l "* ]] || fail "${f#"$SOURCE_DIR"/} includes $l/$h, over its layer"
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
}

files=0
for dir in "$SOURCE_DIR"/lib/*/; do
        layer=$(basename "$dir")
        [ -n "${allowed[$layer]:-}" ] || { fail "lib/$layer is not a layer lib/meson.build names"; continue; }
        for f in "$dir"*.[ch]; do
                check_file "$f" "${allowed[$layer]}"
                files=$((files + 1))
        done
done
stray=$(find "$SOURCE_DIR/lib" -maxdepth 1 -name '*.[ch]')
[ -z "$stray" ] || fail "files outside the layers: $stray"
check_file "$SOURCE_DIR/bin/vumaerp-api.c" "basic api"

[ "$failures" -eq 0 ] || exit 1
echo "lib/ is layered: $files files in basic, api, store and action, none over its layer"
