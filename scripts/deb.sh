#!/bin/sh
# deb.sh BUILD: `make deb`.  Builds the Debian package crm-customer-api from a copy of this tree
# (the repository's files, never its build or var/ directories) under BUILD/deb/src, with
# `dpkg-buildpackage -us -uc -b`, offline, then runs lintian on it.  Leaves in BUILD/deb/:
# crm-customer-api_VERSION_ARCH.deb (and its -dbgsym .ddeb, .buildinfo and .changes),
# build.log and lintian.txt.  The API document and its page, which the package's nginx
# snippet serves, are built first by `make docs` in this tree (node and the pinned npm tools)
# and handed to the package build in the copy's prebuilt/openapi/, so that the package build
# itself needs neither node nor a network.  Exits 1 when the build fails or lintian reports an error;
# warnings are printed (README, "Install on a server", says why each one is there).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
BUILD=$(build_dir "${1:-build}")
for tool in dpkg-buildpackage dh lintian; do
	command -v $tool >/dev/null 2>&1 || die "$tool is missing (make bootstrap installs it)"
done
OUT=$BUILD/deb
VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version) ||
	die "cannot read debian/changelog"
SRC=$OUT/src/crm-customer-api-$VERSION
rm -rf "$OUT"
mkdir -p "$SRC" || die "cannot create $SRC"
make --no-print-directory -C "$ROOT" BUILD="$BUILD" docs >"$OUT/docs.log" 2>&1 || {
	tail -20 "$OUT/docs.log"
	die "make docs failed (log: $OUT/docs.log): the package carries the API document"
}

# The tree as git knows it (tracked files and new ones not ignored), without npm's modules.
cd "$ROOT" || exit 1
if [ -d .git ]; then
	git ls-files -co --exclude-standard | grep -v '/node_modules/' | while IFS= read -r f; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done >"$OUT/files"
else
	find . -type f ! -path './.git/*' ! -path './build*' ! -path './var/*' \
		! -path '*/node_modules/*' >"$OUT/files"
fi
tar -cf - -T "$OUT/files" | tar -xf - -C "$SRC" || die "cannot copy the tree to $SRC"
mkdir -p "$SRC/prebuilt/openapi" &&
	cp "$BUILD/openapi/openapi.json" "$BUILD/openapi/docs.html" "$SRC/prebuilt/openapi/" ||
	die "cannot copy the API document to $SRC/prebuilt/openapi"

echo "deb: dpkg-buildpackage -us -uc -b in $SRC (log: $OUT/build.log)"
(cd "$SRC" && dpkg-buildpackage -us -uc -b -Jauto) >"$OUT/build.log" 2>&1 || {
	tail -40 "$OUT/build.log"
	die "dpkg-buildpackage failed (log: $OUT/build.log)"
}
mv "$OUT"/src/*.deb "$OUT"/src/*.ddeb "$OUT"/src/*.buildinfo "$OUT"/src/*.changes "$OUT"/ 2>/dev/null
DEB=$(ls "$OUT"/crm-customer-api_"$VERSION"_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || die "no .deb in $OUT"

# lintian on the package (and its debug symbols); errors fail the build
lintian --tag-display-limit 0 "$OUT"/*.changes >"$OUT/lintian.txt" 2>&1
errors=$(grep -c '^E: ' "$OUT/lintian.txt")
warnings=$(grep -c '^W: ' "$OUT/lintian.txt")
grep -E '^[EW]: ' "$OUT/lintian.txt"
echo "deb: $DEB"
echo "deb: lintian: $errors error(s), $warnings warning(s) (report: $OUT/lintian.txt)"
[ "$errors" = 0 ] || die "lintian reports errors"
