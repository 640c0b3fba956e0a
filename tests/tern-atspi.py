#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Looks at a running Tern the way a screen reader does (AT-SPI), for tests/test-install.sh.

  tern-atspi.py window TITLE TIMEOUT
      waits until the app "tern" has a window (frame) called TITLE
  tern-atspi.py messages TEXT TIMEOUT
      waits until the message list ("Messages") has rows and one of them shows TEXT

Exits 0 when it saw it, 1 with what it saw instead when the time ran out.
"""
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

SKIP_ROLES = {"scroll bar", "text"}


def find_app(name):
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_name() == name:
            return app
    return None


def children(node):
    try:
        count = node.get_child_count()
    except gi.repository.GLib.Error:
        return []
    return [c for c in (node.get_child_at_index(i) for i in range(count)) if c is not None]


def walk(node, visit):
    """Depth first; visit(node, role, name) returns True to stop."""
    try:
        role, name = node.get_role_name(), node.get_name() or ""
    except gi.repository.GLib.Error:
        return False
    if visit(node, role, name):
        return True
    if role in SKIP_ROLES:
        return False
    return any(walk(c, visit) for c in children(node))


def labels_under(node):
    found = []
    walk(node, lambda n, role, name: found.append(name) if role == "label" and name else None)
    return found


def look_for_window(app, title):
    frames = [c.get_name() for c in children(app) if c.get_role_name() == "frame"]
    return title in frames, "windows: %s" % frames


def look_for_message(app, text):
    lists = []
    walk(app, lambda n, role, name: lists.append(n) if role == "list" and name == "Messages" else None)
    rows = [r for l in lists for r in children(l) if r.get_role_name() == "list item"]
    shown = [" / ".join(labels_under(r)) for r in rows]
    return any(text in s for s in shown), "message rows: %s" % (shown[:10] or "none")


def main():
    what, arg, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    look = {"window": look_for_window, "messages": look_for_message}[what]
    deadline = time.monotonic() + timeout
    seen = "no application \"tern\" on the accessibility bus"
    while time.monotonic() < deadline:
        app = find_app("tern")
        if app is not None:
            app.clear_cache()
            found, seen = look(app, arg)
            if found:
                print(seen)
                return 0
        time.sleep(0.5)
    print("not seen in %gs; %s" % (timeout, seen))
    return 1


if __name__ == "__main__":
    sys.exit(main())
