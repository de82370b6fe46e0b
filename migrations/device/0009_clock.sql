-- How far this phone's clock is off the commune server's (issue 14): every
-- server answer carries the server's time, and the device keeps the
-- difference of its last exchange, with its own clock's reading then (to
-- tell later whether the phone's clock has been set since). NULL: no server
-- answer with a time yet.
ALTER TABLE sync_state ADD COLUMN clock_offset_ms INTEGER;
ALTER TABLE sync_state ADD COLUMN clock_checked_at_ms INTEGER;
