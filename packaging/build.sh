#!/usr/bin/env bash
# Build Stackscribe's one-folder bundle with PyInstaller: dist/stackscribe/stackscribe.
# On Linux also: the desktop entry and icon under share/, install.sh, and
# dist/stackscribe-VERSION-linux-ARCH.tar.gz. Run from anywhere; `make package` calls it.
#
#   PYTHON           the interpreter with the project and PyInstaller (.venv/bin/python)
#   STACKSCRIBE_DIST where the bundle goes (dist)
#   STACKSCRIBE_WORK PyInstaller's work folder, kept between builds to go faster
#                    (build/pyinstaller)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
DIST=${STACKSCRIBE_DIST:-dist}
WORK=${STACKSCRIBE_WORK:-build/pyinstaller}
started=$(date +%s)

# Whatever recorded the inputs of an earlier bundle (harness/bundle.py) is void now.
rm -f "$WORK/inputs.sha256"
mkdir -p "$WORK"

QT_QPA_PLATFORM=offscreen "$PYTHON" packaging/render_icon.py "$WORK/icons"
STACKSCRIBE_ICONS="$WORK/icons" "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/stackscribe.spec

folder="$DIST/stackscribe"
if [ "$(uname -s)" = Linux ]; then
  install -D -m 644 packaging/stackscribe.desktop "$folder/share/applications/stackscribe.desktop"
  install -D -m 644 "$WORK/icons/stackscribe.png" \
    "$folder/share/icons/hicolor/256x256/apps/stackscribe.png"
  install -D -m 644 gui/assets/stackscribe.svg \
    "$folder/share/icons/hicolor/scalable/apps/stackscribe.svg"
  install -m 755 packaging/install.sh "$folder/install.sh"

  version=$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("stackscribe"))')
  tarball="$DIST/stackscribe-$version-linux-$(uname -m).tar.gz"
  compress=gzip
  command -v pigz >/dev/null 2>&1 && compress=pigz
  tar -C "$DIST" -cf - stackscribe | "$compress" -6 > "$tarball.part"
  mv "$tarball.part" "$tarball"
  echo "build.sh: $tarball ($(du -h "$tarball" | cut -f1))" >&2
fi
echo "build.sh: $folder ($(du -sh "$folder" | cut -f1)) in $(($(date +%s) - started)) s" >&2
