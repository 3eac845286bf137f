--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Every configured user (§4.27): {<username> = {full_name, group, password, allowed_nets, allowed_ifname,
-- language, ...}}. Administrators only.
if not rest_utils.admin_or_answer() then return end

rest_utils.answer(rest_utils.consts.success.ok, ntop.getUsers() or {})
