-- Tern cache schema, version 7: reserved for another branch (a placeholder so that
-- version 9 applies here; the lead renumbers at merge).
SELECT 1;
