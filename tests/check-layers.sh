#!/usr/bin/env bash
# The folder is the rule (../shared/STYLE.md): cache/ and sync/ never include GTK, only sync/
# includes libetpan, only cache/ writes SQL.
set -u
cd "${1:-$(dirname "$0")/..}"
status=0

report () {
  echo "not ok - $1"
  printf '  %s\n' $2
  status=1
}

hits=$(grep -rlE '#include *<(gtk/|adwaita|webkit)' cache sync 2>/dev/null)
[ -z "$hits" ] || report "GTK/WebKit included below ui/" "$hits"

hits=$(grep -rlE '#include *<libetpan' --include='*.[ch]' cache app ui 2>/dev/null)
[ -z "$hits" ] || report "libetpan included outside sync/" "$hits"

hits=$(grep -rlE 'sqlite3_(prepare|exec|step)|#include *<sqlite3' --include='*.[ch]' sync app ui 2>/dev/null)
[ -z "$hits" ] || report "SQL outside cache/" "$hits"

[ $status -eq 0 ] && echo "ok - layers respected"
exit $status
