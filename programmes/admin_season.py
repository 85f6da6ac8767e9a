"""Admin for season planning (bulk creation of sessions, closing days). Owned by the staff work (issue 6)."""
