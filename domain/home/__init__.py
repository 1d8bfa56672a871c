"""The console's "today" page of each role: what to do now, each block from the area's own query."""
