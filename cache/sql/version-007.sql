-- Tern cache schema, version 7: reserved for another branch's migration (the lead merges the
-- real one in its place). A placeholder so that version 8 can be applied on this branch.
SELECT 1;
