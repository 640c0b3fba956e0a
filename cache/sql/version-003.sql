-- Tern cache schema, version 3: bodies and parts on demand, offline availability, search.

-- The displayable text of a message, decoded to UTF-8: what opening it fetched. A message
-- with a row here is readable offline.
CREATE TABLE body (
  message          INTEGER PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
  section          TEXT,
  content_type     TEXT NOT NULL,          -- text/plain or text/html
  text             TEXT NOT NULL,
  size             INTEGER NOT NULL,       -- bytes stored
  fetched          INTEGER NOT NULL,
  accessed         INTEGER NOT NULL,
  pinned           INTEGER NOT NULL DEFAULT 0
);

-- Parts downloaded to files (attachments, inline images), decoded; `fetched` counts the
-- transfer-encoded bytes received so far, so an interrupted download resumes there.
CREATE TABLE part_file (
  message          INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  section          TEXT NOT NULL,
  path             TEXT NOT NULL,
  fetched          INTEGER NOT NULL DEFAULT 0,
  size             INTEGER NOT NULL DEFAULT 0,
  complete         INTEGER NOT NULL DEFAULT 0,
  accessed         INTEGER,
  PRIMARY KEY (message, section)
);

-- Offline availability: per account defaults, per folder overrides (NULL: the default).
ALTER TABLE account ADD COLUMN offline_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE account ADD COLUMN offline_max_size INTEGER NOT NULL DEFAULT 262144;
ALTER TABLE account ADD COLUMN cache_limit INTEGER NOT NULL DEFAULT 0;   -- bytes; 0: no limit
ALTER TABLE folder ADD COLUMN offline_days INTEGER;
ALTER TABLE folder ADD COLUMN offline_max_size INTEGER;
ALTER TABLE folder ADD COLUMN offline_full INTEGER NOT NULL DEFAULT 0;

-- Full-text search over headers of every message and every cached body; rowid is the
-- message id. Filled in batches after a sync, not during it (the first sync stays fast):
-- meta 'fts_indexed_up_to' is the highest message id indexed.
CREATE VIRTUAL TABLE message_fts USING fts5 (
  subject, people, body,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE meta (
  key              TEXT PRIMARY KEY,
  value            INTEGER
);
INSERT INTO meta (key, value) VALUES ('fts_indexed_up_to', 0);

CREATE TRIGGER message_fts_forget AFTER DELETE ON message BEGIN
  DELETE FROM message_fts WHERE rowid = old.id;
END;
