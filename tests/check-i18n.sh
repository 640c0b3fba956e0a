#!/usr/bin/env bash
# UI strings ready for translation: every source file with a translatable string is listed
# in po/POTFILES.in, xgettext extracts them (what `ninja tern-pot` runs), the .ui files and
# the settings schema name the "tern" domain, main() binds it to the configured locale
# folder, and every translation in po/ compiles with msgfmt --check.
#
#   check-i18n.sh SOURCE_ROOT BUILD_ROOT LOCALEDIR
set -u
src=${1:?source root}
build=${2:?build root}
localedir=${3:?configured localedir}
cd "$src" || exit 1
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail () {
  echo "not ok - $1"
  [ $# -gt 1 ] && printf '  %s\n' "${@:2}"
  status=1
}

ok () {
  echo "ok - $1"
}

# 1. The files with translatable strings, and POTFILES.in.
listed=$(grep -vE '^\s*(#|$)' po/POTFILES.in | sort -u)
marked=$( { grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|g_dn?gettext|g_dpgettext2?) *\(' \
              --include='*.c' --include='*.h' app ui sync cache 2>/dev/null
            grep -rl 'translatable="yes"' --include='*.ui' app ui 2>/dev/null; } | sort -u)
missing=$(comm -13 <(echo "$listed") <(echo "$marked"))
if [ -n "$missing" ]; then
  fail "files with translatable strings missing from po/POTFILES.in" $missing
else
  ok "every file with translatable strings is in po/POTFILES.in"
fi
gone=()
for f in $listed; do
  [ -f "$f" ] || gone+=("$f")
done
if [ ${#gone[@]} -gt 0 ]; then
  fail "po/POTFILES.in lists files that do not exist" "${gone[@]}"
else
  ok "every file in po/POTFILES.in exists"
fi

# 2. xgettext over POTFILES.in, with the keywords of meson's "glib" preset and the one
#    po/meson.build adds (g_dgettext).
if xgettext --package-name=tern --from-code=UTF-8 --add-comments \
     --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
     --keyword=g_dcgettext:2 --keyword=g_dgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
     --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
     --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
     --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
     --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
     --flag=g_markup_printf_escaped:1:c-format --flag=g_printerr:1:c-format \
     --files-from=po/POTFILES.in --directory="$src" -o "$tmp/tern.pot" 2>"$tmp/xgettext.err"; then
  n=$(grep -c '^msgid "' "$tmp/tern.pot")
  absent=()
  # One string from each kind of file: C, C with g_dgettext, a .ui template, the desktop
  # file, the settings schema.
  for s in 'Connected and logged in.' 'Shared folders' 'Welcome to Tern' 'Email Client' \
           'Folder sidebar width'; do
    grep -qF "msgid \"$s\"" "$tmp/tern.pot" || absent+=("$s")
  done
  if [ "$n" -lt 150 ] || [ ${#absent[@]} -gt 0 ]; then
    fail "xgettext extracted $n strings; not found:" "${absent[@]}"
  elif [ -s "$tmp/xgettext.err" ]; then
    fail "xgettext warned" "$(cat "$tmp/xgettext.err")"
  else
    ok "xgettext extracts $n strings from POTFILES.in"
  fi
else
  fail "xgettext failed" "$(cat "$tmp/xgettext.err")"
fi

# 3. The domain: .ui files and the settings schema.
nodomain=()
for f in $(find app ui -name '*.ui'); do
  grep -q '<interface domain="tern">' "$f" || nodomain+=("$f")
done
if [ ${#nodomain[@]} -gt 0 ]; then
  fail '.ui files without <interface domain="tern">' "${nodomain[@]}"
else
  ok '.ui files name the "tern" domain'
fi
if grep -q 'gettext-domain="tern"' data/org.gnome.Tern.gschema.xml.in; then
  ok 'the settings schema names the "tern" domain'
else
  fail 'the settings schema has no gettext-domain="tern"'
fi

# 4. main() binds the domain to the configured locale folder.
main=app/tern-main.c
if grep -q 'setlocale (LC_ALL, "")' $main &&
   grep -q 'bindtextdomain (GETTEXT_PACKAGE, TERN_LOCALEDIR)' $main &&
   grep -q 'bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8")' $main &&
   grep -q 'textdomain (GETTEXT_PACKAGE)' $main; then
  ok "main() sets the locale and binds the tern domain"
else
  fail "main() must call setlocale, bindtextdomain (GETTEXT_PACKAGE, TERN_LOCALEDIR), bind_textdomain_codeset and textdomain"
fi
if grep -qF "#define GETTEXT_PACKAGE \"tern\"" "$build/config.h" &&
   grep -qF "#define TERN_LOCALEDIR \"$localedir\"" "$build/config.h"; then
  ok "config.h: GETTEXT_PACKAGE tern, TERN_LOCALEDIR $localedir"
else
  fail "config.h does not define GETTEXT_PACKAGE \"tern\" and TERN_LOCALEDIR \"$localedir\""
fi

# 5. Translations: each one in LINGUAS compiles, and each .po is in LINGUAS.
linguas=$(grep -vE '^\s*(#|$)' po/LINGUAS | tr -s ' \n' '\n' | sort -u)
for po in po/*.po; do
  [ -e "$po" ] || continue
  lang=$(basename "$po" .po)
  if ! echo "$linguas" | grep -qx "$lang"; then
    fail "$po is not in po/LINGUAS"
  elif ! msgfmt --check --statistics -o "$tmp/$lang.mo" "$po" 2>"$tmp/msgfmt.out" ||
       grep -q 'warning' "$tmp/msgfmt.out"; then
    fail "msgfmt --check $po" "$(cat "$tmp/msgfmt.out")"
  else
    ok "$po: $(cat "$tmp/msgfmt.out")"
    # Every translation is of a string the app still has.
    if [ -f "$tmp/tern.pot" ]; then
      msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.merged.po" "$po" "$tmp/tern.pot"
      stale=$(grep -A1 '^#~ msgid' "$tmp/$lang.merged.po" | grep -v '^--' | sed -n 's/^#~ msgid //p')
      if [ -n "$stale" ]; then
        fail "$po translates strings the app no longer has (update them)" "$stale"
      else
        ok "$po: every translated string is still in the app"
      fi
    fi
  fi
done
# The German catalog, compiled, is what gettext finds for the app's domain.
if [ -f "$tmp/de.mo" ]; then
  mkdir -p "$tmp/locale/de/LC_MESSAGES"
  cp "$tmp/de.mo" "$tmp/locale/de/LC_MESSAGES/tern.mo"
  said=$(LC_ALL=C.UTF-8 LANGUAGE=de TEXTDOMAINDIR="$tmp/locale" gettext tern 'Welcome to Tern')
  if [ "$said" = "Willkommen bei Tern" ]; then
    ok "de: “Welcome to Tern” is “$said”"
  else
    fail "de: “Welcome to Tern” came out as “$said”"
  fi
fi
for lang in $linguas; do
  [ -f "po/$lang.po" ] || fail "po/LINGUAS names $lang, but po/$lang.po does not exist"
done

exit $status
