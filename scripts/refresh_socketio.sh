#!/usr/bin/env bash
# Refresh the vendored Socket.IO browser client from the npm registry.
set -euo pipefail
VERSION="${1:-4.8.1}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/app/static/vendor/socket.io"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack "socket.io-client@${VERSION}" >/dev/null && tar xzf "socket.io-client-${VERSION}.tgz")
cp "$TMP/package/dist/socket.io.min.js" "$DEST/socket.io.min.js"
cp "$TMP/package/LICENSE" "$DEST/LICENSE"
sed -i "s/^| Version | \*\*[^*]*\*\*/| Version | **${VERSION}**/" "$DEST/VENDOR.md"
echo "socket.io-client ${VERSION} -> $DEST"
