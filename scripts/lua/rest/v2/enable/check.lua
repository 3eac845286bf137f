--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md §4.24.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")
local checks_config = require("checks_config")

-- Enables check script_key of check_subdir (every hook); ifid is ignored. Unknown check: success false.
if not isAdministrator() then
  rest_utils.answer(rest_utils.consts.err.not_granted)
  return
end
local subdir, key = _GET["check_subdir"], _GET["script_key"]
local subdirs = { flow = 1, host = 1, interface = 1, network = 1, system = 1, syslog = 1, snmp_device = 1, active_monitoring = 1 }
if key == nil or key == "" or subdirs[subdir or ""] == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end
local ok, err = checks_config.set_enabled(subdir, key, true)
if ok then
  rest_utils.answer(rest_utils.consts.success.ok, { success = true })
else
  rest_utils.answer(rest_utils.consts.success.ok, { success = false, error = err })
end
