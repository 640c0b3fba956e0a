#!/usr/bin/env bash
# The README's first command, `bash scripts/run-demo.sh`, as a newcomer runs it (without a
# display, so through tern-cli): as root with a home folder of mode 0700 (Debian's /root), and
# as an unprivileged user with a home of mode 0700. Each run must show the demo mailbox.
#
#   test-run-demo.sh SOURCE_ROOT BUILD_ROOT
#
# The build folder is the one under test (run-demo.sh finds it built: TERN_BUILD_DIR). As root
# the unprivileged user is a throwaway one (useradd, removed at the end); as any other user,
# that user runs the unprivileged case and the root case is skipped.
set -u
src=${1:?source root}
build=${2:?build root}
status=0
tmp=$(mktemp -d /tmp/tern-run-demo-XXXXXX)
chmod 755 "$tmp"
user=""

cleanup () {
  if [ -n "$user" ]; then
    # The demo server stops with run-demo.sh; should anything of the throwaway user's still
    # run, it goes, so that the user can be removed.
    for pid in $(pgrep -u "$user"); do
      kill -KILL "$pid" 2>/dev/null
    done
    userdel "$user" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

ok () { echo "ok - $1"; }
fail () {
  echo "not ok - $1"
  [ $# -gt 1 ] && sed 's/^/  /' "$2" | tail -40
  status=1
}

# run-demo.sh with a clean environment, as the user running this function: HOME is a fresh
# folder of mode 0700, no XDG_* variables, no display.
run_demo () {
  local label=$1 home=$2 log=$3; shift 3
  "$@" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$home" LANG=C.UTF-8 TERN_DEMO_CLI=1 TERN_BUILD_DIR="$build" \
    timeout 240 bash "$src/scripts/run-demo.sh" </dev/null >"$log" 2>&1
  local rc=$?
  # What the script shows without a display: the demo's folders (alice's shared one too, and
  # alice's own account's),
  # the ten newest messages of its INBOX (id, uid, flags, date, from, subject), its last line.
  local listed
  listed=$(grep -cE '^[0-9]+	[0-9]+	' "$log")
  # Two accounts (bob's and alice's), so `folders` names each row's account.
  if [ $rc -eq 0 ] && grep -qE '^demo\s+INBOX +\\Inbox' "$log" && grep -qE '^demo\s+shared/alice/Team ' "$log" &&
     grep -qE '^team\s+INBOX +\\Inbox' "$log" &&
     [ "$listed" -eq 10 ] && grep -q "No display: this was tern-cli" "$log"; then
    ok "$label: run-demo.sh shows the demo mailbox"
  else
    fail "$label: run-demo.sh exited with $rc, or did not list the demo's INBOX" "$log"
  fi
  # The demo's cache is in the home folder; nothing of the server's is left behind.
  if [ -f "$home/.local/share/tern-demo/data/tern.db" ]; then
    ok "$label: the demo's cache is in \$HOME/.local/share/tern-demo"
  else
    fail "$label: no cache in $home/.local/share/tern-demo/data" "$log"
  fi
}

if [ "$(id -u)" -eq 0 ]; then
  home=$tmp/root-home
  mkdir -m 0700 "$home"
  run_demo "root, home 0700" "$home" "$tmp/root.log"

  # A throwaway unprivileged user with a private home (and its own group).
  user=tern-demo-$$
  if ! useradd --system --user-group --no-create-home --home-dir "$tmp/user-home" \
       --shell /usr/sbin/nologin "$user" 2>"$tmp/useradd.log"; then
    user=""
    echo "ok - unprivileged user # SKIP cannot create a user: $(cat "$tmp/useradd.log")"
  else
    home=$tmp/user-home
    mkdir -m 0700 "$home"
    chown "$user:$user" "$home"
    run_demo "unprivileged user, home 0700" "$home" "$tmp/user.log" runuser -u "$user" --
  fi
else
  echo "ok - root, home 0700 # SKIP not running as root"
  home=$tmp/user-home
  mkdir -m 0700 "$home"
  run_demo "unprivileged user ($(id -un)), home 0700" "$home" "$tmp/user.log"
fi

exit $status
