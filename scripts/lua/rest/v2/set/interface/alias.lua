--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Sets (or, with an empty custom_name, removes) the alias of an interface. Administrators only.
-- `ifid`, `custom_name`.
if not rest_utils.admin_or_answer() then return end

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end
local custom_name = _GET["custom_name"]
if custom_name == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

local key = "ntopng.prefs.ifid_" .. tostring(tonumber(ifid) or ifid) .. ".name"
if custom_name == "" then
  ntop.delCache(key)
else
  ntop.setCache(key, custom_name)
end
rest_utils.answer(rest_utils.consts.success.ok)
