"""Pages of the planner: task endpoints (`tasks`), the card's Next steps panel (`panel`), My day
and the calendar (`pages`), notifications (`notifications`) and the iCalendar feed (`feed`)."""
