--
-- (ntopng-lua) checks: the constants check scripts use, written for this project from the network seed
-- (shared/seeds/002 §6) and lua_engine.md §4-5. The checks configuration itself is served by
-- checks_config (REST enable/disable).
--
local checks = {}

-- ScriptPeriodicity ids (alert value cache namespaces) and their periods in seconds.
checks.periodicities = { min = 0, ["5mins"] = 1, hour = 2, day = 3 }
checks.periodicity_secs = { min = 60, ["5mins"] = 300, hour = 3600, day = 86400 }

-- Where user checks live, under scripts/lua/modules/.
checks.user_check_dirs = { flow = "flow_checks", host = "host_checks", network = "network_checks" }

return checks
