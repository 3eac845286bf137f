--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md §4.24.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local checks_config = require("checks_config")

-- Disables check script_key of check_subdir (every hook).
checks_config.rest_set_enabled(_GET, false)
