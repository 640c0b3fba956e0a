#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sorts the samples of `perf script` (recorded with call graphs) of a tern-cli sync into
categories by the frames on each stack, and prints their shares.

    perf script -i perf.data -F comm,period,ip,sym,dso | bench/perf-categories.py
"""
import collections
import re
import sys

# (category, test on the stack): the first that matches wins, so order matters.
RULES = [
    ("process start (dynamic loader)", lambda s, d: any(f.startswith("_dl_") for f in s)),
    ("UID SEARCH", lambda s, d: "uid_search" in s),
    ("SQLite: COMMIT (WAL write, checkpoint)", lambda s, d: "tern_store_commit" in s),
    ("SQLite: part rows (insert_parts)", lambda s, d: "insert_parts" in s),
    ("SQLite: message row + indexes (upsert)", lambda s, d: "tern_store_upsert_message" in s),
    ("convert msg_att -> TernMessage: GMime", lambda s, d: "_tern_message_from_msg_att" in s and any("gmime" in x for x in d)),
    ("convert msg_att -> TernMessage: other", lambda s, d: "_tern_message_from_msg_att" in s),
    ("read: socket recv (kernel)", lambda s, d: "low_read" in s and "kernel" in d[0]),
    ("read: TLS decrypt (GnuTLS/nettle)", lambda s, d: "low_read" in s and any(("gnutls" in x or "nettle" in x or "hogweed" in x) for x in d[:s.index("low_read")])),
    ("read: GIO/stream other", lambda s, d: "low_read" in s),
    ("libetpan: free parse tree", lambda s, d: any(re.match(r"mailimap_.*_free$", f) for f in s)),
    ("libetpan: parse (incl. malloc)", lambda s, d: any(f.startswith(("mailimap_", "mailstream_", "mmap_string", "chash_")) for f in s)),
    ("connect, TLS handshake, login", lambda s, d: "tern_sync_connect" in s),
    ("tern: other engine code", lambda s, d: any(f.startswith(("tern_", "_tern_", "fetch_headers", "first_sync", "sync_one")) for f in s)),
    ("kernel (no user stack)", lambda s, d: bool(d) and all("kernel" in x for x in d)),
    ("other / unattributed", lambda s, d: True),
]


def samples(stream):
    comm, period, syms, dsos = None, 0, [], []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None:
                yield comm, period, syms, dsos
            comm, period, syms, dsos = None, 0, [], []
            continue
        if not line.startswith(("\t", " ")) or comm is None and not line.startswith("\t"):
            parts = line.split()
            comm = parts[0]
            try:
                period = int(parts[-1].rstrip(":"))
            except ValueError:
                period = 1
            continue
        m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
            syms.append(sym)
            dsos.append(m.group(2))
    if comm is not None:
        yield comm, period, syms, dsos


def main():
    totals = collections.Counter()
    all_periods = 0
    for comm, period, syms, dsos in samples(sys.stdin):
        if comm != "tern-cli":
            continue
        all_periods += period
        for name, test in RULES:
            if test(syms, dsos):
                totals[name] += period
                break
    if all_periods == 0:
        print("no tern-cli samples")
        return
    for name, _ in RULES:
        if totals[name]:
            print(f"  {100.0 * totals[name] / all_periods:5.1f}%  {name}")
    print(f"  (cpu-clock samples of tern-cli: {all_periods / 1e9:.2f} s)")


if __name__ == "__main__":
    main()
