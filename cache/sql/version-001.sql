-- Tern cache schema, version 1.
-- Accounts hold no password: those live in libsecret or come from a password command.

CREATE TABLE account (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  email            TEXT NOT NULL,
  host             TEXT NOT NULL,
  port             INTEGER NOT NULL,
  security         TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
  user             TEXT NOT NULL,
  password_command TEXT,
  ca_file          TEXT,
  pinned_sha256    TEXT,
  last_sync        INTEGER,
  last_attempt     INTEGER,
  last_error       TEXT
);

-- uidvalidity/uidnext/highestmodseq are the committed sync state: they describe
-- only work that is in this database. They stay NULL until a first sync is complete;
-- the fill_* columns track a first sync in progress (newest first, down to fill_low).
CREATE TABLE folder (
  id               INTEGER PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  display_name     TEXT NOT NULL,
  delimiter        TEXT,
  attributes       TEXT NOT NULL DEFAULT '',
  special_use      TEXT,
  namespace        TEXT NOT NULL DEFAULT 'personal'
                   CHECK (namespace IN ('personal', 'other', 'shared')),
  subscribed       INTEGER NOT NULL DEFAULT 0,
  selectable       INTEGER NOT NULL DEFAULT 1,
  myrights         TEXT,
  uidvalidity      INTEGER,
  uidnext          INTEGER,
  highestmodseq    INTEGER,
  server_exists    INTEGER,
  fill_uidvalidity INTEGER,
  fill_uidnext     INTEGER,
  fill_modseq      INTEGER,
  fill_low         INTEGER,
  flags_swept      INTEGER,
  last_sync        INTEGER,
  UNIQUE (account_id, name)
);

-- uid is NULL for a message the server has not assigned one to (yet), or one
-- detached by a UIDVALIDITY change until it is re-attached by Message-ID.
CREATE TABLE message (
  id               INTEGER PRIMARY KEY,
  folder_id        INTEGER NOT NULL REFERENCES folder (id) ON DELETE CASCADE,
  uid              INTEGER,
  detached         INTEGER NOT NULL DEFAULT 0,
  modseq           INTEGER,
  flags            TEXT NOT NULL DEFAULT '',
  seen             INTEGER NOT NULL DEFAULT 0,
  flagged          INTEGER NOT NULL DEFAULT 0,
  internaldate     INTEGER,
  size             INTEGER,
  date             INTEGER,
  subject          TEXT,
  from_name        TEXT,
  from_addr        TEXT,
  sender           TEXT,
  reply_to         TEXT,
  to_list          TEXT,
  cc_list          TEXT,
  bcc_list         TEXT,
  message_id       TEXT,
  in_reply_to      TEXT,
  refs             TEXT
);

CREATE UNIQUE INDEX message_folder_uid ON message (folder_id, uid) WHERE uid IS NOT NULL;
CREATE INDEX message_folder_date ON message (folder_id, date DESC);
CREATE INDEX message_message_id ON message (message_id);

-- The MIME structure from BODYSTRUCTURE: one row a part, section paths as IMAP writes them
-- ("1", "1.2", "TEXT" for a single-part message is stored as "1").
CREATE TABLE part (
  message          INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  section          TEXT NOT NULL,
  type             TEXT NOT NULL,
  subtype          TEXT NOT NULL,
  charset          TEXT,
  encoding         TEXT,
  size             INTEGER,
  disposition      TEXT,
  filename         TEXT,
  content_id       TEXT,
  PRIMARY KEY (message, section)
);
