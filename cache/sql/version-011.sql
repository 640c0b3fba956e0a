-- Tern cache schema, version 11: new-mail notifications per folder (#18).
--
-- A row says what the user chose for a folder: notify (1) or not (0). Without one, INBOX
-- notifies and every other folder does not: a shared folder (a help desk's "Support") raises
-- notifications only once someone asks for them.
CREATE TABLE folder_notify (
  folder_id INTEGER PRIMARY KEY REFERENCES folder (id) ON DELETE CASCADE,
  notify    INTEGER NOT NULL CHECK (notify IN (0, 1))
);
