"""Pages of the planner: task endpoints and the card panel (`tasks`), My day and the calendar
(`pages`), notifications (`notifications`) and the iCalendar feed (`feed`)."""
