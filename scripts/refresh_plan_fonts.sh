#!/usr/bin/env bash
# Refresh the Pretendard GOV TTFs the PDF export embeds (app/plans/fonts) from the npm package.
set -euo pipefail
VERSION="${1:-1.3.9}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "pretendard-gov@${VERSION}" >/dev/null
tar xzf "pretendard-gov-${VERSION}.tgz" package/dist/LICENSE.txt \
  package/dist/public/static/alternative/PretendardGOV-Regular.ttf \
  package/dist/public/static/alternative/PretendardGOV-Bold.ttf
cp package/dist/public/static/alternative/PretendardGOV-Regular.ttf "$HERE/app/plans/fonts/"
cp package/dist/public/static/alternative/PretendardGOV-Bold.ttf "$HERE/app/plans/fonts/"
cp package/dist/LICENSE.txt "$HERE/app/plans/fonts/LICENSE-PretendardGOV-OFL.txt"
sha256sum "pretendard-gov-${VERSION}.tgz" "$HERE"/app/plans/fonts/*.ttf
echo "Update the version and checksums in app/plans/fonts/README.md"
