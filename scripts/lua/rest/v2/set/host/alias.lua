--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Sets (or, with an empty custom_name, removes) the alias of a host. Administrators only.
-- `host` (ip or ip@vlan), `vlan`, `custom_name`.
if not rest_utils.admin_or_answer() then return end

local info = url2hostinfo(_GET)
local custom_name = _GET["custom_name"]
if info == nil or custom_name == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

local hostkey = hostinfo2hostkey(info)
if custom_name == "" then
  ntop.delHashCache("ntopng.host_labels", hostkey)
else
  ntop.setHashCache("ntopng.host_labels", hostkey, custom_name)
end
rest_utils.answer(rest_utils.consts.success.ok)
