#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# catalog: every MESSAGE_ID the code logs has an entry in catalog/vumaerp.catalog and every entry
# is one the code logs; journalctl accepts the catalog and lists each entry.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
: "${SOURCE_DIR:?}"

ids_h=$(grep -oE '#define MESSAGE_ID_[A-Z_]+ +"[0-9a-f]{32}"' "$SOURCE_DIR/lib/basic/message-id.h")
catalog=$SOURCE_DIR/catalog/vumaerp.catalog
keep_going

while read -r _ name id; do
        id=${id//\"/}
        # Used: the macro appears in a C file other than its header.
        grep -lw "$name" "$SOURCE_DIR"/lib/*/*.c "$SOURCE_DIR"/bin/*.c >/dev/null 2>&1 || fail "$name is defined but never logged"
        grep -qx -- "-- $id" "$catalog" || fail "$name ($id) has no catalog entry"
done <<<"$ids_h"

for id in $(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog"); do
        grep -q "\"$id\"" <<<"$ids_h" || fail "catalog entry $id is not an id the code logs"
done

if command -v journalctl >/dev/null; then
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        mkdir -p "$tmp/usr/lib/systemd/catalog"
        cp "$catalog" "$tmp/usr/lib/systemd/catalog/"
        journalctl --root="$tmp" --update-catalog
        listed=$(journalctl --root="$tmp" --list-catalog | wc -l)
        want=$(grep -c '^-- [0-9a-f]\{32\}$' "$catalog")
        [ "$listed" = "$want" ] || fail "journalctl lists $listed catalog entries, the file has $want"
fi
[ "$failures" -eq 0 ] || exit 1
echo "catalog and code agree ($(wc -l <<<"$ids_h") ids)"
