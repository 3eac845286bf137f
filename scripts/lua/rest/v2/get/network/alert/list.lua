--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")
local alert_rest = require("alert_rest")

-- Network alerts (§4.22): status, epoch range, value;op filters, paging and sorting.
alert_rest.list("network")
