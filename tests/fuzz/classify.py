#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names what a fuzz target's crash output (stdin) shows, in one stable line:

  KIND in FUNCTION          the first frame in Tern's own code (sync/, cache/, tests/fuzz/);
                            KIND is crash, stack-overflow, heap-use-after-free, leak, timeout...
  check FILE: MESSAGE       a tern_fuzz_check() that failed (its message up to a colon)
  critical MESSAGE          a GLib critical or warning (addresses and numbers left out)

Used by run.sh to tell a defect already reported (listed in known-crashes.txt) from a new one.
"""
import re
import sys

text = sys.stdin.read()

m = re.search(r"^\S*?(tests/fuzz/[\w.-]+):\d+: check failed: .*?: ([^:\"<>\n]*)", text, re.M)
if m:
    print(f"check {m.group(1)}: " + re.sub(r"\d\d+", "N", m.group(2)).strip())
    sys.exit(0)

m = re.search(r"-(?:CRITICAL|WARNING) \*\*: [\d:.]+: (.*)", text)
if m:
    print("critical " + re.sub(r"0x[0-9a-f]+|\d\d+", "N", m.group(1)).strip())
    sys.exit(0)

kind = None
m = re.search(r"ERROR: (?:AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): ([\w-]+)", text)
if m:
    kind = m.group(1)
elif "runtime error:" in text:
    kind = "undefined"
elif "ERROR: libFuzzer: timeout" in text:
    kind = "timeout"
elif "out-of-memory" in text:
    kind = "out-of-memory"
elif "deadly signal" in text:
    kind = "signal"
if kind == "detected":
    kind = "leak"
# A NULL dereference reads as SEGV under ASan and as a runtime error under UBSan: one name.
if kind in ("SEGV", "undefined", "signal"):
    kind = "crash"

for line in text.splitlines():
    m = re.match(r"\s*#\d+ 0x[0-9a-f]+ in (\w+) \S*/(sync|cache|tests/fuzz)/", line)
    if m and m.group(1) not in ("tern_fuzz_fail", "log_writer"):
        print(f"{kind or 'crash'} in {m.group(1)}")
        sys.exit(0)

print(kind or "unknown")
