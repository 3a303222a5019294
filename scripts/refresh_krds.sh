#!/usr/bin/env bash
# Re-vendor the KRDS (Korea Design System) front-end build from the npm package
# `krds-uiux` into app/static/vendor/krds/.
#
# Usage: scripts/refresh_krds.sh [VERSION]
#   VERSION defaults to the version currently vendored
#   (read from app/static/vendor/krds/krds-uiux.package.json).
#
# What it does (see app/static/vendor/krds/VENDOR.md for the rationale):
#   1. `npm pack krds-uiux@VERSION` into a temp dir and unpack it.
#   2. Copy resources/cdn/krds.min.js verbatim -> cdn/krds.min.js
#   3. Copy resources/cdn/krds.min.css -> cdn/krds.min.css with two mechanical
#      rewrites so it works offline and under a strict CSP:
#        a. url(https://www.krds.go.kr/resources/X) -> url(../X)
#           (the CSS ships with absolute URLs to the KRDS website)
#        b. the single inline Swiper "swiper-icons" data: font is written to
#           fonts/swiper-icons.woff and referenced as url(../fonts/swiper-icons.woff)
#   4. Copy every file the rewritten CSS references via url() (the icons under
#      img/component/icon/) from the package's resources/ tree.
#   5. Copy the Pretendard GOV woff2 fonts listed in FONT_WEIGHTS and generate
#      fonts/pretendard-gov.css (@font-face rules; the package CSS has none).
#   6. Copy package.json / README.md / any LICENSE* from the package root.
#   7. Verify every url() resolves and no external / data: URL remains, then
#      replace the managed files in the target dir. Hand-written files
#      (VENDOR.md, LICENSE-*.txt) are left untouched.
set -euo pipefail

PKG=krds-uiux
# weight-file:css-weight pairs. The 1.1.0 CSS only uses 400 and 700.
FONT_WEIGHTS=${FONT_WEIGHTS:-"Regular:400 Bold:700"}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST="$ROOT/app/static/vendor/krds"
PKGJSON_COPY="$DEST/krds-uiux.package.json"

die() { echo "refresh_krds: error: $*" >&2; exit 1; }
command -v npm >/dev/null || die "npm not found"
command -v node >/dev/null || die "node not found"

if [[ $# -ge 1 && -n "$1" ]]; then
  VERSION=$1
elif [[ -f "$PKGJSON_COPY" ]]; then
  VERSION=$(node -p 'require(process.argv[1]).version' "$PKGJSON_COPY")
else
  die "no VERSION given and $PKGJSON_COPY not found"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/krds-refresh.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "refresh_krds: fetching $PKG@$VERSION"
if ! (cd "$TMP" && npm pack "$PKG@$VERSION" >/dev/null 2>"$TMP/npm.err"); then
  cat "$TMP/npm.err" >&2
  die "npm pack $PKG@$VERSION failed"
fi
TARBALL=$(ls "$TMP"/"$PKG"-*.tgz 2>/dev/null | head -n1)
[[ -n "$TARBALL" ]] || die "npm pack produced no tarball"
mkdir "$TMP/x"
tar -xzf "$TARBALL" -C "$TMP/x"
SRC="$TMP/x/package"
RES="$SRC/resources"
GOT=$(node -p 'require(process.argv[1]).version' "$SRC/package.json")
[[ "$GOT" == "$VERSION" ]] || die "asked for $VERSION, tarball is $GOT"
for f in cdn/krds.min.css cdn/krds.min.js; do
  [[ -f "$RES/$f" ]] || die "package lacks resources/$f"
done

STAGE="$TMP/stage"
mkdir -p "$STAGE/cdn" "$STAGE/fonts"

# 2. JS verbatim
cp "$RES/cdn/krds.min.js" "$STAGE/cdn/krds.min.js"

# 3 + 4. CSS rewrite, then copy referenced assets; fail on anything unresolved.
node - "$RES" "$STAGE" <<'NODE'
const fs = require("fs"), path = require("path");
const [res, stage] = process.argv.slice(2);
let css = fs.readFileSync(path.join(res, "cdn/krds.min.css"), "utf8");

// a. absolute KRDS-site URLs -> relative to cdn/ (package layout: resources/{cdn,img,fonts})
css = css.replace(/url\(\s*(["']?)https?:\/\/www\.krds\.go\.kr\/resources\//g, "url($1../");

// b. inline swiper-icons data: font -> file
const dataFont = /url\(\s*(["']?)data:application\/(?:x-)?font-woff[^,]*;base64,\s*([A-Za-z0-9+\/=\s]+?)\1\s*\)/g;
let n = 0;
css = css.replace(dataFont, (m, q, b64) => {
  n++;
  if (n > 1) throw new Error("more than one inline data: font; update refresh_krds.sh");
  fs.writeFileSync(path.join(stage, "fonts/swiper-icons.woff"), Buffer.from(b64.replace(/\s+/g, ""), "base64"));
  return "url(../fonts/swiper-icons.woff)";
});
fs.writeFileSync(path.join(stage, "cdn/krds.min.css"), css);

// collect every url() and make sure it is local and copied
const urls = [...css.matchAll(/url\(\s*(["']?)([^"')]+)\1\s*\)/g)].map(m => m[2].trim());
const bad = [];
const copied = new Set();
for (const u of urls) {
  if (/^(data:|https?:|\/\/)/i.test(u)) { bad.push("non-local url(): " + u.slice(0, 80)); continue; }
  const rel = path.posix.normalize(path.posix.join("cdn", u.split(/[?#]/)[0]));
  if (rel.startsWith("..")) { bad.push("escapes vendor dir: " + u); continue; }
  if (copied.has(rel)) continue;
  const dst = path.join(stage, rel);
  if (!fs.existsSync(dst)) {
    const src = path.join(res, rel);
    if (!fs.existsSync(src)) { bad.push("missing in package: resources/" + rel); continue; }
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(src, dst);
  }
  copied.add(rel);
}
if (/@import/i.test(css)) bad.push("@import present");
if (bad.length) { console.error(bad.join("\n")); process.exit(1); }
console.log(`refresh_krds: css rewritten: ${urls.length} url() refs, ${copied.size} distinct files, ${n} inline font(s) extracted`);
NODE

# 5. fonts
if grep -q 'font-family:[^;}]*Pretendard' <(grep -o '@font-face{[^}]*}' "$STAGE/cdn/krds.min.css"); then
  echo "refresh_krds: warning: krds.min.css now declares its own Pretendard @font-face; review fonts/pretendard-gov.css" >&2
fi
{
  echo "/* Generated by scripts/refresh_krds.sh -- not part of the krds-uiux package."
  echo "   Pretendard GOV (c) 2023 Kil Hyung-jin, SIL Open Font License 1.1"
  echo "   (see ../LICENSE-PretendardGOV-OFL.txt). Font files from krds-uiux@$VERSION resources/fonts/. */"
  for pair in $FONT_WEIGHTS; do
    name=${pair%%:*}; weight=${pair##*:}
    f="PretendardGOV-$name.subset.woff2"
    [[ -f "$RES/fonts/$f" ]] || die "package lacks resources/fonts/$f"
    cp "$RES/fonts/$f" "$STAGE/fonts/$f"
    printf '@font-face{font-family:"Pretendard GOV";font-style:normal;font-weight:%s;font-display:swap;src:url(%s) format("woff2")}\n' "$weight" "$f"
  done
} > "$STAGE/fonts/pretendard-gov.css"

# 6. metadata / licences (renamed so no tool mistakes them for a real npm manifest)
cp "$SRC/package.json" "$STAGE/krds-uiux.package.json"
[[ -f "$SRC/README.md" ]] && cp "$SRC/README.md" "$STAGE/krds-uiux.README.md"
shopt -s nullglob nocaseglob
for lic in "$SRC"/LICEN[CS]E* "$SRC"/COPYING* "$RES"/fonts/*OFL* "$RES"/fonts/LICEN[CS]E*; do
  cp "$lic" "$STAGE/krds-uiux.$(basename "$lic")"
done
shopt -u nullglob nocaseglob

# 7. swap managed files into place
manifest() { (cd "$1" && find . -type f ! -name VENDOR.md ! -name 'LICENSE-*' -print0 | sort -z | xargs -0 -r sha256sum); }
mkdir -p "$DEST"
BEFORE=$(manifest "$DEST" || true)
rm -rf "$DEST/cdn" "$DEST/img" "$DEST/fonts"
rm -f "$DEST"/krds-uiux.*
cp -R "$STAGE"/. "$DEST"/
AFTER=$(manifest "$DEST")

if [[ "$BEFORE" == "$AFTER" ]]; then
  echo "refresh_krds: krds-uiux@$VERSION vendored; files unchanged"
else
  echo "refresh_krds: krds-uiux@$VERSION vendored; changes:"
  diff <(echo "$BEFORE") <(echo "$AFTER") | grep '^[<>]' | sed 's/^</  old/; s/^>/  new/' || true
fi
echo "refresh_krds: $(find "$DEST" -type f | wc -l) files, $(du -sh "$DEST" | cut -f1) total in ${DEST#"$ROOT"/}"
[[ -f "$DEST/VENDOR.md" ]] || echo "refresh_krds: note: $DEST/VENDOR.md missing" >&2
