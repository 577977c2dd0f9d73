#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# package: tools/build-deb builds the vumaerp Debian package from the tree; it holds every program,
# the private library (found through RUNPATH, not ld.so's cache), every unit, the catalog, every
# man page, conf/ as conffiles, the sysusers/tmpfiles snippets and the WHMCS module; its postinst
# enables the socket and the timer and writes a good token; lintian finds no error. The expected
# contents come from the sources (bin/meson.build, man/, units/, conf/, whmcs_module/), not from a
# list kept here.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
: "${SOURCE_DIR:?}"
for tool in dpkg-buildpackage dh lintian readelf; do
        need_command "$tool" "tools/install-deps installs it"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keep_going

# The unit tests already ran in this meson test run: do not run them again in the package build.
DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" "$SOURCE_DIR/tools/build-deb" "$tmp/out" >/dev/null
version=$(sed -n "s/^  version : '\([^']*\)',\$/\1/p" "$SOURCE_DIR/meson.build")
deb=$tmp/out/vumaerp_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { fail "no $(basename "$deb") (the package version must be meson's, $version)"; ls "$tmp/out" >&2; exit 1; }
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$triplet/vumaerp

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./||' >"$tmp/contents"
has() { grep -qxF "$1" "$tmp/contents" || fail "the package lacks /$1"; }

programs=$(sed -n "s/^  '\(vumaerp-[a-z-]*\)',\$/\1/p" "$SOURCE_DIR/bin/meson.build")
[ -n "$programs" ] || fail "no programs found in bin/meson.build"
for p in $programs; do
        has "usr/bin/$p"
done
has "$libdir/libvumaerp.so.0"
has "$libdir/libvumaerp.so.$version"
grep -q "^$libdir/libvumaerp.so\$" "$tmp/contents" && fail "the package ships the libvumaerp.so development link"
for u in "$SOURCE_DIR"/units/*; do
        has "lib/systemd/system/$(basename "$u")"
done
has usr/lib/systemd/catalog/vumaerp.catalog
has usr/lib/sysusers.d/vumaerp.conf
has usr/lib/tmpfiles.d/vumaerp.conf
for page in "$SOURCE_DIR"/man/*.scd; do
        page=$(basename "$page" .scd)
        has "usr/share/man/man${page##*.}/$page.gz"
done
for p in $programs; do
        [ -f "$SOURCE_DIR/man/$p.8.scd" ] || fail "$p has no man page to package"
done
if [ -d "$SOURCE_DIR/whmcs_module/vumaerp" ]; then
        while IFS= read -r -d '' f; do
                has "usr/share/vumaerp/whmcs_module/vumaerp/${f#"$SOURCE_DIR"/whmcs_module/vumaerp/}"
        done < <(find "$SOURCE_DIR/whmcs_module/vumaerp" -type f -print0)
fi
for f in "$SOURCE_DIR"/packaging/nginx/*; do
        has "usr/share/vumaerp/nginx/$(basename "$f")"
done
grep -E '^(usr/local|usr/include|usr/lib/[^/]+/pkgconfig)/' "$tmp/contents" && fail "the package ships development or /usr/local files"

# conf/ is configuration the admin edits: conffiles, which upgrades do not overwrite.
dpkg-deb --ctrl-tarfile "$deb" | tar -C "$tmp" -xf - ./conffiles ./postinst ./postrm
for f in "$SOURCE_DIR"/conf/*; do
        has "etc/vumaerp/$(basename "$f")"
        grep -qxF "/etc/vumaerp/$(basename "$f")" "$tmp/conffiles" || fail "/etc/vumaerp/$(basename "$f") is not a conffile"
done
grep -q 'api-token' "$tmp/conffiles" && fail "the generated API token must not be a conffile"

# The postinst: the user, the directories, the socket and the timer enabled, not the template.
grep -q 'systemd-sysusers .*vumaerp.conf' "$tmp/postinst" || fail "postinst does not create the vumaerp user"
grep -q "systemd-tmpfiles .*--create vumaerp.conf" "$tmp/postinst" || fail "postinst does not create /var/lib/vumaerp"
for unit in vumaerp-api.socket vumaerp-backup-daily.timer vumaerp-backup-prune.timer vumaerp-drill.timer vumaerp-reconcile.timer vumaerp-offsite-push.timer; do
        grep -q "deb-systemd-helper enable '$unit'" "$tmp/postinst" || fail "postinst does not enable $unit"
done
grep -q "enable 'vumaerp-api@" "$tmp/postinst" && fail "postinst enables the per-connection template"
grep -q 'vumaerp-api@.service' "$tmp/postinst" && fail "postinst starts the per-connection template"
grep -q 'rm -rf /var/lib/vumaerp' "$tmp/postrm" && fail "postrm deletes the backups"

# The postinst's token: 256 random bits in hex, root-only, written once, no temp files left. Its
# make_token runs here on a scratch /etc/vumaerp.
mkdir -p "$tmp/etc"
sed -n '/^make_token() {$/,/^}$/p' "$tmp/postinst" | sed "s|/etc/vumaerp|$tmp/etc|g" >"$tmp/make_token.sh"
grep -q '^make_token() {' "$tmp/make_token.sh" || fail "postinst has no make_token function"
token=$tmp/etc/api-token
(set -e; token=$token; . "$tmp/make_token.sh"; make_token)
first=$(cat "$token")
[[ "$first" =~ ^[0-9a-f]{64}$ ]] || fail "the generated token is not 64 hex digits"
[ "$(stat -c %a "$token")" = 600 ] || fail "the generated token is mode $(stat -c %a "$token"), not 0600"
[ "$(find "$tmp/etc" -mindepth 1 | wc -l)" = 1 ] || fail "make_token left files behind: $(ls -A "$tmp/etc")"
(set -e; token=$token; . "$tmp/make_token.sh"; make_token)
[ "$(cat "$token")" != "$first" ] || fail "two generated tokens are equal"
grep -q '\[ ! -e "$token" \]' "$tmp/postinst" || fail "postinst does not keep an existing token"
sh -n "$tmp/postinst" && sh -n "$tmp/postrm" || fail "a maintainer script has a syntax error"

# The programs find libvumaerp through their RUNPATH; vumaerp-api, which starts once per
# connection, does not load it (nor libpq or libcurl) at all (lib/meson.build).
dpkg -x "$deb" "$tmp/root"
for p in $programs; do
        bin=$tmp/root/usr/bin/$p
        [ -x "$bin" ] || continue
        if readelf -d "$bin" | grep -q 'NEEDED.*libvumaerp'; then
                runpath=$(readelf -d "$bin" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]$/\1/p')
                [ "$runpath" = "/$libdir" ] || fail "$p: RUNPATH '$runpath', not /$libdir"
        fi
        missing=$(LD_LIBRARY_PATH=$tmp/root/$libdir ldd "$bin" | grep 'not found' || true)
        [ -z "$missing" ] || fail "$p: unresolved libraries: $missing"
        out=$(LD_LIBRARY_PATH=$tmp/root/$libdir "$bin" --help 2>&1) || fail "$p --help failed: $out"
        grep -qi 'usage' <<<"$out" || fail "$p --help prints no usage: $out"
done
LD_LIBRARY_PATH=$tmp/root/$libdir "$tmp/root/usr/bin/vumaerp-list" --help | grep -qF /etc/vumaerp/vumaerp.yaml ||
        fail "the packaged programs do not default to /etc/vumaerp/vumaerp.yaml"
readelf -d "$tmp/root/usr/bin/vumaerp-api" | grep -E 'NEEDED.*(libvumaerp|libpq|libcurl)' && fail "vumaerp-api links libvumaerp, libpq or libcurl"
readelf -d "$tmp/root/$libdir/libvumaerp.so.$version" | grep -q 'SONAME.*\[libvumaerp.so.0\]' || fail "libvumaerp's SONAME is not libvumaerp.so.0"

# Installed for real, when this runs as root with mount namespaces: dpkg -i, a reinstall and a
# purge in a chroot that is a throwaway overlay of this machine's root (the host is not touched).
cat >"$tmp/in-chroot.sh" <<'EOS'
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
check() { echo "FAIL: installed: $*" >&2; bad=1; }
bad=0
# An Odoo installed before vumaerp, as Docker's image lays it out: its user and its filestore.
getent passwd odoo >/dev/null || useradd --system --home /var/lib/odoo --shell /usr/sbin/nologin odoo
install -d -o odoo -g odoo -m 0755 /var/lib/odoo /var/lib/odoo/filestore /var/lib/odoo/filestore/tpl_ke /var/lib/odoo/filestore/tpl_ke/ab
runuser -u odoo -- sh -c 'umask 022; echo attachment >/var/lib/odoo/filestore/tpl_ke/ab/abcdef'
dpkg -i /tmp/deb/vumaerp.deb >/dev/null
# The filestore's ACLs: vumaerp links a template's files, Odoo writes into what vumaerp made,
# vumaerp removes what Odoo wrote after the install (umask 022), and the template's files.
runuser -u vumaerp -- mkdir /var/lib/odoo/filestore/acme_ltd || check "vumaerp cannot make a tenant's filestore"
runuser -u vumaerp -- ln /var/lib/odoo/filestore/tpl_ke/ab/abcdef /var/lib/odoo/filestore/acme_ltd/abcdef ||
        check "vumaerp cannot hard-link Odoo's files"
runuser -u odoo -- sh -c 'umask 022; mkdir /var/lib/odoo/filestore/acme_ltd/cd && echo new >/var/lib/odoo/filestore/acme_ltd/cd/cdef' ||
        check "Odoo cannot write into a filestore vumaerp made"
runuser -u vumaerp -- rm -r /var/lib/odoo/filestore/acme_ltd || check "vumaerp cannot remove a tenant's filestore Odoo wrote to"
runuser -u vumaerp -- rm -r /var/lib/odoo/filestore/tpl_ke || check "vumaerp cannot remove files Odoo had written before the install"
getent passwd vumaerp | grep -q ':/usr/sbin/nologin$' || check "no vumaerp system user"
for d in /var/lib/vumaerp /var/lib/vumaerp/backups; do
        [ "$(stat -c '%U:%G %a' "$d")" = "vumaerp:vumaerp 700" ] || check "$d is $(stat -c '%U:%G %a' "$d" 2>&1)"
done
[ "$(stat -c '%U:%G %a' /etc/vumaerp/api-token)" = "root:root 600" ] || check "the token is $(stat -c '%U:%G %a' /etc/vumaerp/api-token 2>&1)"
grep -Eqx '[0-9a-f]{64}' /etc/vumaerp/api-token || check "the token is not 64 hex digits"
[ -L /etc/systemd/system/sockets.target.wants/vumaerp-api.socket ] || check "vumaerp-api.socket is not enabled"
[ -L /etc/systemd/system/timers.target.wants/vumaerp-backup-daily.timer ] || check "the daily backup timer is not enabled"
[ -L /etc/systemd/system/timers.target.wants/vumaerp-backup-prune.timer ] || check "the prune timer is not enabled"
[ -L /etc/systemd/system/timers.target.wants/vumaerp-drill.timer ] || check "the restore drill timer is not enabled"
[ -L /etc/systemd/system/timers.target.wants/vumaerp-reconcile.timer ] || check "the reconcile timer is not enabled"
[ -L /etc/systemd/system/timers.target.wants/vumaerp-offsite-push.timer ] || check "the offsite push timer is not enabled"
compgen -G '/etc/systemd/system/*.wants/vumaerp-api@*' >/dev/null && check "the template is enabled"
env -u LD_LIBRARY_PATH vumaerp-list --help | grep -q '^Usage: vumaerp-list' || check "vumaerp-list --help fails without LD_LIBRARY_PATH"
cp /etc/vumaerp/api-token /tmp/token
dpkg -i /tmp/deb/vumaerp.deb >/dev/null
cmp -s /etc/vumaerp/api-token /tmp/token || check "a reinstall replaced the API token"
dpkg --purge vumaerp >/dev/null
[ ! -e /etc/vumaerp/api-token ] || check "purge left the API token"
[ -d /var/lib/vumaerp/backups ] || check "purge removed the backups"
[ ! -e /etc/systemd/system/sockets.target.wants/vumaerp-api.socket ] || check "purge left the socket enabled"
exit "$bad"
EOS
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v chroot >/dev/null; then
        mkdir -p "$tmp/ovl"
        rc=0
        # shellcheck disable=SC2016 # expanded by the inner bash
        unshare --mount --fork bash -c '
                set -e
                tmp=$1 deb=$2
                mount -t tmpfs tmpfs "$tmp/ovl" || exit 77
                mkdir -p "$tmp/ovl/upper" "$tmp/ovl/work" "$tmp/ovl/root" "$tmp/ovl/deb"
                mount -t overlay overlay -o "lowerdir=/,upperdir=$tmp/ovl/upper,workdir=$tmp/ovl/work" "$tmp/ovl/root" || exit 77
                r=$tmp/ovl/root
                for m in proc sys dev; do mount --rbind "/$m" "$r/$m"; done
                mount -t tmpfs tmpfs "$r/tmp"
                mount -t tmpfs tmpfs "$r/run"
                mkdir "$r/tmp/deb"
                cp "$deb" "$r/tmp/deb/vumaerp.deb"
                cp "$tmp/in-chroot.sh" "$r/tmp/deb/"
                exec chroot "$r" bash /tmp/deb/in-chroot.sh
        ' bash "$tmp" "$deb" >"$tmp/install.log" 2>&1 || rc=$?
        case $rc in
        0) echo "installed, reinstalled and purged in an overlay chroot" ;;
        77) echo "note: no overlay chroot here (mount refused); the install was not tried" ;;
        *) cat "$tmp/install.log" >&2; fail "installing the package in an overlay chroot" ;;
        esac
else
        echo "note: not root or no unshare: the install in an overlay chroot was not tried"
fi

# lintian: no errors (warnings are printed for the record).
if ! lintian --allow-root --fail-on error --no-tag-display-limit "$deb" >"$tmp/lintian" 2>&1; then
        cat "$tmp/lintian" >&2
        fail "lintian reports errors (or failed to run)"
else
        grep -E '^W: ' "$tmp/lintian" >&2 || true
fi

[ "$failures" -eq 0 ] || exit 1
echo "package $(basename "$deb") checked: $(wc -l <"$tmp/contents") paths, lintian clean of errors"
