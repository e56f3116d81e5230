#!/bin/sh
# Put this Stackscribe folder on the user's PATH (~/.local/bin) and in the desktop's
# application menu (~/.local/share). `./install.sh --uninstall` takes both out again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=${STACKSCRIBE_BIN_DIR:-$HOME/.local/bin}
entry="$data/applications/stackscribe.desktop"
png="$data/icons/hicolor/256x256/apps/stackscribe.png"
svg="$data/icons/hicolor/scalable/apps/stackscribe.svg"

if [ "${1:-}" = --uninstall ]; then
  rm -f "$bin/stackscribe" "$entry" "$png" "$svg"
  echo "Stackscribe removed from $bin and $data"
  exit 0
fi
mkdir -p "$bin" "$(dirname "$entry")" "$(dirname "$png")" "$(dirname "$svg")"
ln -sf "$here/stackscribe" "$bin/stackscribe"
cp "$here/share/icons/hicolor/256x256/apps/stackscribe.png" "$png"
cp "$here/share/icons/hicolor/scalable/apps/stackscribe.svg" "$svg"
sed "s|^Exec=stackscribe|Exec=\"$here/stackscribe\"|" \
  "$here/share/applications/stackscribe.desktop" > "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$(dirname "$entry")" || true
echo "Stackscribe installed: $bin/stackscribe and $entry"
