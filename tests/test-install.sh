#!/usr/bin/env bash
# An installed Tern needs no build tree. Configures and builds Tern (without its tests) for a
# temporary prefix, `meson install`s it there, and runs what was installed:
#   - the files an installed GNOME app has, post-install steps done, translations merged in,
#     no path of the build or source tree in anything installed;
#   - tern --version, tern-cli --version, tern-cli help COMMAND;
#   - tern-cli against the installed demo server: add the demo account, sync, list;
#   - tern under Xvfb in a fresh session (its own D-Bus, dconf, a 0700 home), started by D-Bus
#     activation as GNOME Shell starts it: it opens, "Try the Demo" shows the demo's mail in
#     its message list (seen over AT-SPI), "Work Offline" is still on after a restart (that
#     one started without the prefix on XDG_DATA_DIRS: Tern finds its schema in its prefix);
#   - -Dprofile=development: org.gnome.Tern.Devel, with its own settings, icon and D-Bus name.
#
#   test-install.sh SOURCE_ROOT
set -u
src=$(realpath "${1:?source root}")
here=$(dirname "$(realpath "$0")")
status=0
tmp=$(mktemp -d /tmp/tern-install-XXXXXX)
chmod 755 "$tmp"
prefix=$tmp/prefix
build=$tmp/build
pids=()

cleanup () {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

ok () { echo "ok - $1"; }
fail () {
  echo "not ok - $1"
  [ $# -gt 1 ] && printf '%s\n' "${@:2}" | tail -40 | sed 's/^/  /'
  status=1
}
# check LABEL COMMAND...: ok when the command succeeds, else its output.
check () {
  local label=$1 out; shift
  if out=$("$@" 2>&1); then ok "$label"; else fail "$label" "$out"; fi
}

# 1. Build and install. Plain: no debug information (which would name the build folder).
if ! meson setup "$build" "$src" --prefix "$prefix" --buildtype=plain -Dtests=false \
     >"$tmp/setup.log" 2>&1 ||
   ! meson install -C "$build" >"$tmp/install.log" 2>&1; then
  fail "meson setup and install into $prefix" "$(cat "$tmp/setup.log" "$tmp/install.log")"
  exit 1
fi
ok "meson install into a temporary prefix"
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$build/config.h")

# 2. What was installed.
missing=()
for f in bin/tern bin/tern-cli libexec/tern-demo-server \
         share/applications/org.gnome.Tern.desktop share/metainfo/org.gnome.Tern.metainfo.xml \
         share/dbus-1/services/org.gnome.Tern.service \
         share/glib-2.0/schemas/org.gnome.Tern.gschema.xml \
         share/icons/hicolor/scalable/apps/org.gnome.Tern.svg \
         share/icons/hicolor/symbolic/apps/org.gnome.Tern-symbolic.svg \
         share/locale/de/LC_MESSAGES/tern.mo; do
  [ -e "$prefix/$f" ] || missing+=("$f")
done
[ ${#missing[@]} -eq 0 ] && ok "app, tern-cli, demo server, desktop files, schema, icons, translations" ||
  fail "not installed:" "${missing[@]}"

# gnome.post_install(): compiled schemas, icon cache, desktop database (the mailto handler).
check "post-install: schemas compiled" test -s "$prefix/share/glib-2.0/schemas/gschemas.compiled"
check "post-install: icon cache" test -s "$prefix/share/icons/hicolor/icon-theme.cache"
check "post-install: desktop database names Tern for mailto:" \
  grep -qx 'x-scheme-handler/mailto=org.gnome.Tern.desktop;' "$prefix/share/applications/mimeinfo.cache"

desktop=$prefix/share/applications/org.gnome.Tern.desktop
service=$prefix/share/dbus-1/services/org.gnome.Tern.service
grep -qx 'DBusActivatable=true' "$desktop" && grep -qx 'GenericName\[de\]=E-Mail-Programm' "$desktop" &&
  grep -qx 'Icon=org.gnome.Tern' "$desktop" && ok "desktop file: DBusActivatable, German name, icon" ||
  fail "desktop file" "$(cat "$desktop")"
[ "$(cat "$service")" = "$(printf '[D-BUS Service]\nName=org.gnome.Tern\nExec=%s/bin/tern --gapplication-service' "$prefix")" ] &&
  ok "D-Bus service file starts the installed tern" || fail "D-Bus service file" "$(cat "$service")"
check "metainfo: translated, launchable by the desktop file" \
  grep -q '<summary xml:lang="de">' "$prefix/share/metainfo/org.gnome.Tern.metainfo.xml"
if command -v desktop-file-validate >/dev/null; then
  check "desktop-file-validate" desktop-file-validate "$desktop"
fi
if command -v appstreamcli >/dev/null; then
  check "appstreamcli validate" appstreamcli validate --no-net --pedantic \
    "$prefix/share/metainfo/org.gnome.Tern.metainfo.xml"
fi

# Nothing installed names the build or the source folder. (Source file names relative to the
# build folder, "../../work/tern/sync/tern-sync.c" in g_return_if_fail() messages, are no path
# a program opens.)
re () { sed 's/[][\\.*^$/]/\\&/g' <<<"$1"; }
leaks=$(find "$prefix" -type f | while read -r f; do
          strings -a "$f" | grep -qE -e "(^|[^.])$(re "$src")(/|$)" -e "$(re "$build")" && echo "$f"
        done)
[ -z "$leaks" ] && ok "nothing installed names the build or source tree" ||
  fail "installed files naming $build or $src:" $leaks

# 3. Versions and help.
check "tern --version" test "$("$prefix/bin/tern" --version)" = "tern $version"
check "tern-cli --version" test "$("$prefix/bin/tern-cli" --version)" = "tern-cli $version"
check "tern-cli help sync" grep -q -- '--folder F' <("$prefix/bin/tern-cli" help sync)

# Without its settings schema Tern says so and stops; it never runs with settings that would
# be lost (GLib's in-memory backend).
schemas=$prefix/share/glib-2.0/schemas/gschemas.compiled
mv "$schemas" "$schemas.away"
out=$(env -u GSETTINGS_SCHEMA_DIR XDG_DATA_DIRS=/usr/share "$prefix/bin/tern" 2>&1)
rc=$?
mv "$schemas.away" "$schemas"
[ $rc -eq 1 ] && [[ "$out" == *"settings schema org.gnome.Tern is not installed"* ]] &&
  ok "without its schema, tern says so and exits 1" || fail "tern without its schema: exit $rc" "$out"

# 4. tern-cli against the installed demo server.
wait_for_line () {  # FILE LINE PID: until FILE has LINE, while PID lives
  for _ in $(seq 600); do
    grep -qx "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
"$prefix/libexec/tern-demo-server" --demo >"$tmp/server.env" 2>"$tmp/server.log" &
pids+=($!)
if wait_for_line "$tmp/server.env" READY "${pids[-1]}"; then
  # shellcheck disable=SC1090
  source <(grep '^TERN_TEST_' "$tmp/server.env")
  cli=("$prefix/bin/tern-cli" --data-dir "$tmp/cli")
  if "${cli[@]}" account add demo --email bob@example.org --user "$TERN_TEST_USER" \
       --host "$TERN_TEST_HOST" --port "$TERN_TEST_IMAPS_PORT" --password-command "echo secret" \
       --ca-file "$TERN_TEST_CA_FILE" >"$tmp/cli.log" 2>&1 &&
     "${cli[@]}" sync >>"$tmp/cli.log" 2>&1 &&
     "${cli[@]}" list demo INBOX >"$tmp/list.log" 2>>"$tmp/cli.log" &&
     [ "$(wc -l <"$tmp/list.log")" -ge 200 ]; then
    ok "tern-cli: demo account added, synced, $(wc -l <"$tmp/list.log") messages listed in INBOX"
  else
    fail "tern-cli with the installed demo server" "$(cat "$tmp/cli.log" "$tmp/list.log")"
  fi
else
  fail "the installed demo server did not start" "$(cat "$tmp/server.log")"
fi
kill "${pids[-1]}" 2>/dev/null && wait "${pids[-1]}" 2>/dev/null

# 5. The app, in a session of its own.
mkdir -m 0700 "$tmp/home"
if env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
     HOME="$tmp/home" XDG_DATA_DIRS="$prefix/share:/usr/local/share:/usr/share" \
     PREFIX="$prefix" HERE="$here" LOGDIR="$tmp" \
     WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
     xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- \
     bash "$here/test-install-session.sh" >"$tmp/session.log" 2>"$tmp/session.err"; then
  grep -v '^SpiRegistry' "$tmp/session.log"
else
  grep -v '^SpiRegistry' "$tmp/session.log"
  fail "the installed app (session)" "$(grep -v '^dbus-daemon' "$tmp/session.err")"
fi

# 6. -Dprofile=development: another app beside this one. Configured only (nothing to build
#    for what is checked here): what it would install, under which names.
if meson setup "$tmp/devel" "$src" --prefix "$prefix" -Dprofile=development -Dtests=false \
     >"$tmp/devel.log" 2>&1; then
  meson introspect "$tmp/devel" --installed >"$tmp/devel-installed.json"
  missing=()
  for f in share/applications/org.gnome.Tern.Devel.desktop share/metainfo/org.gnome.Tern.Devel.metainfo.xml \
           share/dbus-1/services/org.gnome.Tern.Devel.service \
           share/glib-2.0/schemas/org.gnome.Tern.Devel.gschema.xml \
           share/icons/hicolor/scalable/apps/org.gnome.Tern.Devel.svg; do
    grep -qF "\"$prefix/$f\"" "$tmp/devel-installed.json" || missing+=("$f")
  done
  [ ${#missing[@]} -eq 0 ] && ok "development profile installs org.gnome.Tern.Devel's files" ||
    fail "development profile does not install:" "${missing[@]}"
  grep -qF "\"$src/data/icons/org.gnome.Tern.Devel.svg\": \"$prefix/share/icons/hicolor/scalable/apps/org.gnome.Tern.Devel.svg\"" \
    "$tmp/devel-installed.json" &&
    ok "development profile: its own icon (org.gnome.Tern.Devel.svg)" ||
    fail "development profile: icon" "$(cat "$tmp/devel-installed.json")"
  grep -qF '<schema id="org.gnome.Tern.Devel" path="/org/gnome/Tern/Devel/">' \
    "$tmp/devel/data/org.gnome.Tern.Devel.gschema.xml" &&
    grep -qx 'Name=org.gnome.Tern.Devel' "$tmp/devel/data/org.gnome.Tern.Devel.service" &&
    grep -qx '#define APP_ID "org.gnome.Tern.Devel"' "$tmp/devel/config.h" &&
    ok "development profile: its own settings (/org/gnome/Tern/Devel/), D-Bus name, app id" ||
    fail "development profile: settings, D-Bus name or app id"
  grep -qx '#define TERN_DATA_NAME "tern-devel"' "$tmp/devel/config.h" &&
    grep -qx '#define TERN_DATA_NAME "tern"' "$build/config.h" &&
    ok "development profile: its own accounts and mail (XDG_DATA_HOME/tern-devel)" ||
    fail "development profile: shares the installed app's data folder"
else
  fail "meson setup -Dprofile=development" "$(cat "$tmp/devel.log")"
fi

exit $status
