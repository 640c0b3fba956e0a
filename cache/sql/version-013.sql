-- Tern cache schema, version 13: remote content allowed per sender or per domain (#15).
--
-- A row lets HTML mail of the account load remote content (images, styles) at once when its
-- From address is `value` (kind 'sender') or is at the domain `value` (kind 'domain'). Values
-- are lower case. Everything else stays blocked until the user asks.
CREATE TABLE remote_content_allowed (
  account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('sender', 'domain')),
  value      TEXT NOT NULL,
  PRIMARY KEY (account_id, kind, value)
) WITHOUT ROWID;
