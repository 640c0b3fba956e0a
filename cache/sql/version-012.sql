-- Placeholder on branch firsthour only: schema 12 is reserved for another branch and replaced
-- by it at merge. It changes nothing.
SELECT 1;
