-- Tern cache schema, version 5: conversations.
--
-- A message's thread_id groups it with the messages it references (References, In-Reply-To)
-- and those that reference it, the way JWZ's threading links messages; subjects play no part.
-- thread_ref maps every Message-ID an account's messages name (their own, and those they
-- reference, cached or not) to the thread it belongs to, so two replies to a parent that is
-- not in the cache still share a thread, and a parent arriving after its replies joins them.
-- Its key is a 64-bit hash of the account and the Message-ID (an integer key keeps storing a
-- message cheap on a first sync; two ids colliding would only join two conversations).
-- A message that links two threads merges them into the lower id: its messages move at
-- once, and thread_alias sends the ids thread_ref still has for the other one to it.
-- Thread ids are unique across accounts. Filled when a message is stored (tern-threads.c);
-- messages cached before this version are threaded when the cache is migrated.

ALTER TABLE message ADD COLUMN thread_id INTEGER;

CREATE INDEX message_folder_thread ON message (folder_id, thread_id);

CREATE TABLE thread_ref (
  key              INTEGER PRIMARY KEY,
  thread_id        INTEGER NOT NULL
);

CREATE TABLE thread_alias (
  gone             INTEGER PRIMARY KEY,
  keep             INTEGER NOT NULL
);

-- The next thread id to hand out.
INSERT INTO meta (key, value) VALUES ('thread_next', 1);
