"""Special incidents (特殊事件, SOP 14): report, notify, follow up, close with cause and measures; incident mode."""
