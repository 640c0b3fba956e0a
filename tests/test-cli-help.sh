#!/usr/bin/env bash
# tern-cli --version, `tern-cli help` and `tern-cli help COMMAND`: every command that
# `tern-cli --help` lists has a help page, each page names every option its command accepts
# (as the command's own GOption parser lists them), and mistakes are usage errors (exit 2).
#
#   test-cli-help.sh TERN_CLI VERSION
set -u
cli=${1:?tern-cli}
version=${2:?version}
status=0

ok () { echo "ok - $1"; }
fail () {
  echo "not ok - $1"
  [ $# -gt 1 ] && printf '  %s\n' "${@:2}"
  status=1
}

out=$("$cli" --version)
[ "$out" = "tern-cli $version" ] && ok "--version: $out" || fail "--version printed “$out”"

overview=$("$cli" help) && ok "help lists the commands" || fail "help failed"
for cmd in account sync list watch search send outbox help; do
  grep -qE "^  ([a-z-]+, )*$cmd(,| )" <<<"$overview" || fail "help does not list $cmd"
done

# The commands tern-cli --help shows: the first word of each form in its "Commands:" part
# (forms are separated by " | " or runs of spaces; "read|unread|flag|unflag" are four).
commands=$("$cli" --help | sed -n '/^Commands:/,$p' | tail -n +2 |
           sed -e 's/ | /\n/g' -e 's/   */\n/g' | sed -n 's/^ *\([a-z][a-z|-]*\)\( .*\)\?$/\1/p' |
           tr '|' '\n' | sort -u)
[ "$(wc -w <<<"$commands")" -ge 30 ] || fail "tern-cli --help names only these commands:" $commands
missing=()
for cmd in $commands; do
  "$cli" help "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[ ${#missing[@]} -eq 0 ] && ok "every command of tern-cli --help has a help page" ||
  fail "no help page for:" "${missing[@]}"

# Each command with options: every --option its parser knows is on its page.
while read -r page command; do
  known=$($cli $command --help 2>/dev/null | sed -n '/Application Options:/,$p' | grep -oE -- '--[a-z-]+' | sort -u)
  [ -n "$known" ] || { fail "“tern-cli $command --help” lists no options"; continue; }
  text=$("$cli" help "$page")
  absent=()
  for opt in $known; do
    grep -qF -- "$opt" <<<"$text" || absent+=("$opt")
  done
  [ ${#absent[@]} -eq 0 ] && ok "help $page covers the options of “$command” ($(echo $known | tr "\n" " " | sed "s/ $//"))" ||
    fail "help $page does not name the options of “$command”:" "${absent[@]}"
done <<'EOF'
account account add
account account set
account account edit
account account discover
sync sync
list list
watch watch
delete delete
append append
fetch fetch
export export
offline-policy offline-policy
send send
outbox outbox
draft draft
smtp smtp
identity identity
EOF

# A page: its forms with "tern-cli", what it does, the global options.
page=$("$cli" help folder)
grep -q '^  tern-cli folder rename ACCOUNT OLD NEW$' <<<"$page" && grep -q -- '--data-dir DIR' <<<"$page" &&
  ok "help folder: forms, text, global options" || fail "help folder" "$page"
# One page for a family of commands.
[ "$("$cli" help unflag)" = "$("$cli" help read)" ] && ok "help unflag is the page of read" ||
  fail "help unflag differs from help read"

# Mistakes.
"$cli" help no-such-command >/dev/null 2>&1
[ $? -eq 2 ] && ok "help of an unknown command: exit 2" || fail "help no-such-command did not exit 2"
err=$("$cli" help sync list 2>&1)
[ $? -eq 2 ] && ok "help with two commands: exit 2 ($err)" || fail "help sync list did not exit 2"

exit $status
