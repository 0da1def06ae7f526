"""Tasks (the next step on any record), reminders, the calendar, notifications and digests."""
