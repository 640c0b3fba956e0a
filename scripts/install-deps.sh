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
  zlib1g-dev libjson-glib-dev libgoa-1.0-dev
  dovecot-core dovecot-imapd dovecot-submissiond dovecot-managesieved dovecot-sieve dovecot-lmtpd openssl
  cyrus-common cyrus-admin sasl2-bin db-util libwrap0
  courier-base courier-authdaemon courier-authlib-userdb gamin libgamin0 libidn12 util-linux
  dbus gnome-keyring python3 procps
  libgtk-4-dev libadwaita-1-dev libwebkitgtk-6.0-dev desktop-file-utils appstream
  xvfb xauth dbus-x11 at-spi2-core adwaita-icon-theme libxtst-dev
  clang libclang-rt-14-dev
  # Spell checking in the composer; the dictionaries the tests check English and German with.
  libenchant-2-dev hunspell-en-us hunspell-de-de
  # Printing to a PDF in the tests, read back as text.
  poppler-utils
  # An installed Tern: settings kept by dconf; what `meson install` runs after copying
  # (gnome.post_install); the install test looks at the running app over AT-SPI.
  dconf-gsettings-backend dconf-service gtk-update-icon-cache x11-utils
  python3-gi gir1.2-atspi-2.0
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

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  apt_updated=1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The IMAP servers of Cyrus and Courier. Their packages (cyrus-imapd, courier-imap) each
# conflict with dovecot-imapd (all three provide imap-server, for port 143), but the tests run
# every server privately from its own config on free loopback ports: so these two are fetched
# by name with apt and unpacked into their own folder, which the fixture looks in
# (tests/fixture/tern-test-server-cyrus.c, -courier.c). What they link to is installed above.
servers_dir=${TERN_TEST_SERVERS_DIR:-/opt/tern-test-servers}
for p in cyrus-imapd courier-imap; do
  version=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    [ -n "${apt_updated:-}" ] || { $sudo apt-get update -qq; apt_updated=1; }
    version=$(apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')
  fi
  if [ "$(cat "$servers_dir/$p/version" 2>/dev/null)" != "$version" ]; then
    echo "Unpacking $p $version into $servers_dir/$p"
    tmp=$(mktemp -d)
    chmod 755 "$tmp"; $sudo chown _apt "$tmp" 2>/dev/null || true  # apt downloads as _apt
    (cd "$tmp" && apt-get download -qq "$p=$version") || { rm -rf "$tmp"; exit 1; }
    $sudo rm -rf "$servers_dir/$p"
    $sudo mkdir -p "$servers_dir/$p"
    $sudo dpkg-deb -x "$tmp"/*.deb "$servers_dir/$p"
    echo "$version" | $sudo tee "$servers_dir/$p/version" >/dev/null
    rm -rf "$tmp"
  fi
done

# Debian starts system services on install (Dovecot, Cyrus, Courier's authdaemond, and the
# Exim that cyrus-common pulls in as its MTA); Tern's tests run their own private servers.
if command -v systemctl >/dev/null 2>&1; then
  for unit in dovecot cyrus-imapd courier-authdaemon exim4; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then
      $sudo systemctl stop "$unit" || true
    fi
    if systemctl is-enabled --quiet "$unit" 2>/dev/null && [ "$unit" != dovecot ]; then
      $sudo systemctl disable --quiet "$unit" 2>/dev/null || true
    fi
  done
fi
