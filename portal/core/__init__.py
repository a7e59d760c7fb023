"""What every feature shares: the unit of work, clock, enumerations, permissions, paging, audit log."""
