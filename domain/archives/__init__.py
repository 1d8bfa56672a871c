"""The owner's file (业主档案, SOP 3): every document of a unit and its owner, typed and dated, lent on paper with a
log, and every look at it written down."""
