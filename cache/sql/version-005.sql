-- Tern cache schema, version 5: conversations.
--
-- A message's thread_id groups it with the messages it references (References, In-Reply-To)
-- and those that reference it, the way JWZ's threading links messages; subjects play no part.
-- thread_ref maps every Message-ID an account's messages name (their own, and those they
-- reference, cached or not) to the thread it belongs to, so two replies to a parent that is
-- not in the cache still share a thread, and a parent arriving after its replies joins them.
-- A message that links two threads merges them into the older (lower) id. Threads span the
-- folders of an account. Filled when a message is stored (tern-threads.c); messages cached
-- before this version are threaded when the cache is migrated.

ALTER TABLE message ADD COLUMN thread_id INTEGER;

CREATE INDEX message_folder_thread ON message (folder_id, thread_id);

CREATE TABLE thread_ref (
  account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  ref              TEXT NOT NULL,
  thread_id        INTEGER NOT NULL,
  PRIMARY KEY (account_id, ref)
) WITHOUT ROWID;

CREATE INDEX thread_ref_thread ON thread_ref (account_id, thread_id);

-- The next thread id to hand out.
INSERT INTO meta (key, value) VALUES ('thread_next', 1);
