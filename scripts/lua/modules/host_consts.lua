--
-- (ntopng-lua) host_consts: constants host check scripts share (the host seed requires this module),
-- written for this project.
--
local host_consts = {}

-- Host checks run every minute on the wall clock (ntopng's host periodic update).
host_consts.check_period_secs = 60

-- Suggested triggerAlert values per severity band (host seed §8).
host_consts.score = { info = 10, warning = 50, error = 75, critical = 100 }

return host_consts
