#!/usr/bin/env bash
# The installed app in a desktop session of its own: tests/test-install.sh runs this under
# xvfb-run and dbus-run-session, with HOME a fresh 0700 folder and the prefix on XDG_DATA_DIRS
# (so the session bus knows Tern's D-Bus service, as it would for /usr). PREFIX and HERE (the
# tests folder) and LOGDIR (for logs) come from there.
set -u
status=0
app=org.gnome.Tern
path=/org/gnome/Tern
atspi=(/usr/bin/python3 "$HERE/tern-atspi.py")
cli=("$PREFIX/bin/tern-cli")

ok () { echo "ok - $1"; }
fail () {
  echo "not ok - $1"
  [ $# -gt 1 ] && printf '%s\n' "${@:2}" | tail -30 | sed 's/^/  /'
  status=1
}

call () {  # METHOD ARGS...: a call to the app's D-Bus interfaces
  gdbus call --session --dest "$app" --object-path "$path" --method "$@"
}

has_owner () {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner "$app" 2>/dev/null | grep -q true
}

wait_for () {  # SECONDS COMMAND...: until the command succeeds
  local until=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $until ] || return 1
    sleep 0.2
  done
}

newest_subject () {  # the newest INBOX message of the app's cache, by the installed tern-cli
  "${cli[@]}" --offline list demo INBOX --limit 1 2>/dev/null | cut -f6
}

quit_app () {
  call org.freedesktop.Application.ActivateAction quit '[]' '{}' >/dev/null 2>&1
  wait_for 20 eval '! has_owner'
}

# Started the way GNOME Shell starts a DBusActivatable app: from its desktop file, by D-Bus
# activation of the installed service (tern --gapplication-service).
if gapplication launch "$app" 2>"$LOGDIR/launch.err" && wait_for 30 has_owner &&
   "${atspi[@]}" window Tern 30 >/dev/null; then
  ok "gapplication launch: D-Bus activation opens the installed Tern's window"
else
  fail "gapplication launch $app did not open a window" "$(cat "$LOGDIR/launch.err")"
  exit 1
fi

# "Try the Demo": the installed demo server (libexecdir) starts, the account is added, its
# mail synced into the cache and shown in the message list.
call org.freedesktop.Application.ActivateAction demo '[]' '{}' >/dev/null
if wait_for 120 eval '[ -n "$(newest_subject)" ]'; then
  subject=$(newest_subject)
  if out=$("${atspi[@]}" messages "$subject" 60); then
    ok "Try the Demo: the message list shows the demo's mail (“$subject” first)"
  else
    fail "Try the Demo: the message list does not show “$subject”" "$out"
  fi
else
  fail "Try the Demo: no demo mail in the app's cache after 120 s" \
    "$(ls -la "$HOME/.local/share/tern" 2>&1)"
fi

# A setting: Work Offline on, kept by dconf.
call org.gtk.Actions.SetState work-offline '<true>' '{}' >/dev/null
if wait_for 10 eval '[ "$(gsettings get $app work-offline 2>&1)" = true ]'; then
  ok "Work Offline is stored in the settings (gsettings get: true)"
else
  fail "Work Offline is not stored" "$(gsettings get $app work-offline 2>&1)"
fi
if quit_app; then ok "Quit ends the app"; else fail "Quit did not end the app"; fi

# Started again, this time not from XDG_DATA_DIRS: the schema comes from Tern's own prefix.
XDG_DATA_DIRS=/usr/share "$PREFIX/bin/tern" >"$LOGDIR/tern2.log" 2>&1 &
tern=$!
if wait_for 30 has_owner && "${atspi[@]}" window Tern 30 >/dev/null; then
  state=$(call org.gtk.Actions.Describe work-offline 2>&1)
  if [[ "$state" == *"[<true>]"* ]]; then
    ok "after a restart (schema from the prefix), Work Offline is still on"
  else
    fail "after a restart, Work Offline is off" "$state"
  fi
  quit_app || fail "Quit did not end the restarted app"
else
  fail "tern did not start again without the prefix on XDG_DATA_DIRS" "$(cat "$LOGDIR/tern2.log")"
fi
kill "$tern" 2>/dev/null
wait "$tern" 2>/dev/null

exit $status
