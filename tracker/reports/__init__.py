"""Reports for the strategic group: overdue, progress, learning across reviews, and the meeting pack."""
