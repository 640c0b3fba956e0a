-- Tern cache schema, version 2: the offline journal (RFC 4549).
--
-- A message row's (folder_id, uid) is where the message is on the server, as far as the
-- cache knows; local_folder is where the user sees it while a move has not reached the
-- server yet (NULL: the same folder). uid is NULL for a message the server does not have
-- yet (a copy or an appended message still in the journal). hidden is set while a deletion
-- is queued. blob holds the raw text of a message only this cache has (a draft, an import).

ALTER TABLE message ADD COLUMN local_folder INTEGER REFERENCES folder (id) ON DELETE SET NULL;
ALTER TABLE message ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN blob INTEGER REFERENCES blob (id);

CREATE INDEX message_local_folder ON message (local_folder) WHERE local_folder IS NOT NULL;

-- A folder's local_state: 0 on the server; 1 created here, not on the server yet; 2 deleted
-- here, still on the server; 3 gone from the server but kept for messages not uploaded.
ALTER TABLE folder ADD COLUMN local_state INTEGER NOT NULL DEFAULT 0;

CREATE TABLE blob (
  id               INTEGER PRIMARY KEY,
  data             BLOB NOT NULL
);

-- The journal. Rows are replayed in id order, which is the order the user acted in.
-- state: queued, done (kept briefly for the record), failed (kept with its reason until
-- the user retries or discards it). sent is set before a command goes out and cleared when
-- its outcome is stored, so an action whose outcome is unknown is checked on the server
-- before it is retried. error_class: retry (offline, timeout), user (needs the user:
-- folder gone, quota, no permission), permanent (the message is gone).
CREATE TABLE action (
  id               INTEGER PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  kind             TEXT NOT NULL,
  message          INTEGER,
  new_message      INTEGER,
  folder           INTEGER,
  target           INTEGER,
  add_flags        TEXT,
  remove_flags     TEXT,
  name             TEXT,
  new_name         TEXT,
  uids             TEXT,
  state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
  sent             INTEGER NOT NULL DEFAULT 0,
  error_class      TEXT,
  error            TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  created          INTEGER NOT NULL
);

CREATE INDEX action_queue ON action (account_id, state, id);
CREATE INDEX action_message ON action (message) WHERE message IS NOT NULL;

-- What "delete" does for the account: move to the special-use Trash, or mark \Deleted and
-- expunge (also used where there is no Trash).
ALTER TABLE account ADD COLUMN delete_mode TEXT NOT NULL DEFAULT 'trash'
  CHECK (delete_mode IN ('trash', 'expunge'));
