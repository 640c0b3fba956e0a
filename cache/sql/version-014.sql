-- Tern cache schema, version 14: the address book (#15).
--
-- One address book for all accounts (as Thunderbird's "Collected Addresses"): a person is
-- the same whichever account the user writes from. A row is one address (compared without
-- case). sent counts the messages the user sent to it (To, Cc, Bcc: when queued, and those
-- found in the Sent folders); received counts messages from it the user read while addressed
-- directly (never Junk, Trash, mailing lists or automated senders). The composer ranks by
-- both, sent weighing more, and by last_used (unix time).
-- name_set: the user chose the name (edited, added or imported): collection keeps it.
-- added: the user added or imported the row (kept even if never written to).
-- hidden: the user deleted it: neither suggested nor collected from reading again; writing to
-- the address again brings it back.
CREATE TABLE contact (
  id        INTEGER PRIMARY KEY,
  address   TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name      TEXT,
  name_set  INTEGER NOT NULL DEFAULT 0,
  sent      INTEGER NOT NULL DEFAULT 0,
  received  INTEGER NOT NULL DEFAULT 0,
  last_used INTEGER NOT NULL DEFAULT 0,
  added     INTEGER NOT NULL DEFAULT 0,
  hidden    INTEGER NOT NULL DEFAULT 0
);

-- Messages already counted, by Message-ID ("s:<id>" sent, "r:<id>" read): a message queued
-- by Tern and later found in the Sent folder counts once.
CREATE TABLE contact_counted (
  key TEXT PRIMARY KEY
) WITHOUT ROWID;

-- How far the scan of each Sent folder has gone (the largest message id looked at).
CREATE TABLE contact_scan (
  folder_id INTEGER PRIMARY KEY REFERENCES folder (id) ON DELETE CASCADE,
  last_id   INTEGER NOT NULL
);
