"""Service desk: tickets from every channel, SLA with business calendars, email, portal."""
