-- Tern cache schema, version 17: a search's hits are sorted and filtered from an index (#13).
--
-- A search for a common word finds thousands of messages; their order (newest first),
-- whether they show (hidden, detached, their account's folders) and, grouped, their
-- conversations came from each message's row, one table page each: 5,000 hits of 100,000
-- messages read ~20 MB of pages. This index holds those columns by message id, ~40 bytes an
-- entry, so the same search reads ~2 MB of it (40 -> 12 ms in sqlite3).
CREATE INDEX message_search_key ON message (id, date, hidden, detached, local_folder, folder_id, thread_id, seen);
