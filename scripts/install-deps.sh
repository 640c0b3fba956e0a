#!/usr/bin/env bash
# Installs everything Tern needs to build, test and run on Debian 12, by package name.
# Idempotent: only missing packages are installed. Needs root (or sudo).
#
#   install-deps.sh          what the build and the tests need
#   install-deps.sh --demo   also fonts for the demo mailbox's Chinese, Japanese and emoji
#                            (about 66 MB to download: not on the test path)
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libsqlite3-dev libetpan-dev libgmime-3.0-dev
  libcurl4-gnutls-dev libsecret-1-dev libgnutls28-dev glib-networking ca-certificates
  dovecot-core dovecot-imapd dovecot-submissiond openssl
  dbus gnome-keyring python3 procps
  libgtk-4-dev libadwaita-1-dev libwebkitgtk-6.0-dev desktop-file-utils appstream
  xvfb xauth dbus-x11 at-spi2-core adwaita-icon-theme libxtst-dev
)

for arg in "$@"; do
  case "$arg" in
    --demo) packages+=(fonts-noto-cjk fonts-noto-color-emoji) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian starts a system Dovecot on install; Tern's tests run their own private ones.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
  systemctl stop dovecot || true
fi
