#!/usr/bin/env bash
# Make this checkout runnable: system packages (as root, through apt-get) and .venv with the
# project and its test tools. Fast when nothing changed: a stamp records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  redis-server          # the Redis backend's tests start a real server
  libportaudio2         # sounddevice (microphone recording)
  alsa-utils            # arecord/aplay, and ALSA's file plugin for the recording test
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0  # Qt (offscreen too)
  binutils              # PyInstaller inspects shared libraries with objdump
  espeak-ng             # synthetic speech of known texts for the accuracy tests and benchmarks
  libxcb-icccm4 libxcb-keysyms1 libwayland-cursor0 libwayland-egl1  # Qt's X11/Wayland plugins
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: please install these system packages: ${missing[*]}" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.stackscribe-installed
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,dev,package]'
  echo "$want" > "$stamp"
fi
