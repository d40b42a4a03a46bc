"""The employee lifecycle: the import file, matching rows to people, the import itself,
activation links, access requests, and four eyes on an administrator's own rights."""
