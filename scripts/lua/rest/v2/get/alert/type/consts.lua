--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Alert type constants (§4.19): [{type = <alert type name>, key = <alert id>}] for every alert definition
-- (flow, host and the other families; ids overlap across families).
local alert_consts = require("alert_consts")

rest_utils.answer(rest_utils.consts.success.ok, alert_consts.get_alert_type_list())
