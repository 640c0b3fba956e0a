#!/usr/bin/env bash
# The folder is the rule (../shared/STYLE.md and each folder's DESIGN.md):
#  - libetpan only in sync/imap/, libcurl only in sync/send/, GMime only in sync/mime/,
#    SQL only in cache/, GTK/libadwaita/WebKit only in ui/ (and app/tern-main.c);
#  - no header included outside sync/imap/ pulls libetpan in, directly or through another
#    header (the includes are walked from every file of cache/, sync/, app/ and ui/): app/
#    and ui/ above all;
#  - no libetpan type in the engine, send/ never includes the IMAP layer, sieve/ only common/
#    and the cache, imap/ and mime/
#    never touch a TernStore;
#  - files of sync/, cache/ and app/ stay at about 1,000 lines (over 1,200 fails; over 1,000
#    is listed).
# tests/ may use anything. Prints TAP-like lines; exits non-zero on a violation.
set -u
cd "${1:-$(dirname "$0")/..}"
status=0

report () {
  echo "not ok - $1"
  printf '  %s\n' $2
  status=1
}

# Files of a folder, without the layer's own tests or generated files.
sources () {
  find "$@" -name '*.[ch]' 2>/dev/null | sort
}

only_in () {
  local what=$1 pattern=$2 allowed=$3 where=$4 hits
  hits=$(sources cache sync app ui | grep -vE "^($allowed)" | xargs grep -lE "$pattern" 2>/dev/null)
  [ -z "$hits" ] || report "$what outside $where" "$hits"
}

only_in "libetpan" '#include *<libetpan' 'sync/imap/' 'sync/imap/'
only_in "libcurl" '#include *<curl/' 'sync/send/' 'sync/send/'
only_in "GMime" '#include *<gmime/' 'sync/mime/' 'sync/mime/'
only_in "SQL" 'sqlite3_(prepare|exec|step)|#include *<sqlite3' 'cache/' 'cache/'
only_in "GTK/WebKit" '#include *<(gtk/|adwaita|webkit)' 'ui/|app/tern-main\.c' 'ui/ and app/tern-main.c'

# libetpan's types and calls by name, wherever a header might have hidden the include.
hits=$(sources sync/engine sync/send sync/mime sync/common cache app ui |
       xargs grep -lE '\b(mailimap|mailstream|clist|clistiter|mailmime)[a-z_]*\b' 2>/dev/null)
[ -z "$hits" ] || report "libetpan names outside sync/imap/" "$hits"

hits=$(sources sync/send | xargs grep -lE '#include *"tern-(imap-[a-z-]+|sync|sync-private|replay[a-z-]*|bodies|account-worker[a-z-]*)\.h"' 2>/dev/null)
[ -z "$hits" ] || report "sync/send/ includes the IMAP layer or the engine" "$hits"

hits=$(sources sync/sieve | xargs grep -lE '#include *"tern-(imap-[a-z-]+|sync|sync-private|replay[a-z-]*|bodies|account-worker[a-z-]*|mime[a-z-]*|submit|outbox[a-z-]*)\.h"' 2>/dev/null)
[ -z "$hits" ] || report "sync/sieve/ includes the IMAP, MIME or sending layer or the engine" "$hits"

hits=$(sources sync/imap sync/mime | xargs grep -lE '\btern_(store|journal|outbox)_[a-z_]+ \(' 2>/dev/null)
[ -z "$hits" ] || report "sync/imap/ or sync/mime/ uses the cache beyond its record types" "$hits"

# What every folder but sync/imap/ includes, followed through the project's headers: only
# imap/'s public headers (no libetpan in them) may be reached from outside it.
hits=$(python3 - <<'PY'
import os, re, sys
roots = ['cache', 'sync', 'ui', 'app']
headers = {}
for root in roots:
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith('.h'):
                headers.setdefault(f, os.path.join(dirpath, f))
include = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
def leaks(path, seen):
    if path in seen:
        return None
    seen.add(path)
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    for kind, name in include.findall(text):
        if name.startswith('libetpan/'):
            return [path]
        base = os.path.basename(name)
        if kind == '"' and base in headers:
            chain = leaks(headers[base], seen)
            if chain:
                return [path] + chain
    return None
for root in ('cache', 'sync', 'app', 'ui'):
    for dirpath, _, files in os.walk(root):
        if dirpath.startswith(os.path.join('sync', 'imap')):
            continue
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                chain = leaks(os.path.join(dirpath, f), set())
                if chain:
                    print(' -> '.join(chain))
PY
)
[ -z "$hits" ] || report "libetpan reached through a header outside sync/imap/" "$(echo "$hits" | tr ' ' '_')"

# File sizes.
long=$(sources sync cache app | xargs wc -l | awk '$2 != "total" && $1 > 1000 { print $2 "(" $1 ")" }')
too_long=$(sources sync cache app | xargs wc -l | awk '$2 != "total" && $1 > 1200 { print $2 "(" $1 ")" }')
[ -z "$too_long" ] || report "files over 1,200 lines (split them by concern)" "$too_long"
[ -z "$long" ] || printf '# over 1,000 lines: %s\n' $long

[ $status -eq 0 ] && echo "ok - layers respected"
exit $status
