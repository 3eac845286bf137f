--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Deletes a user. Administrators only. `username`. The built-in admin cannot be deleted.
local user_params = require("user_params")

if not rest_utils.admin_or_answer() then return end

local username = _GET["username"]
if isEmptyString(username) then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end
if not user_params.exists(username) then
  rest_utils.answer(rest_utils.consts.err.user_does_not_exist)
  return
end
if username == "admin" or not ntop.deleteUser(username) then
  rest_utils.answer(rest_utils.consts.err.delete_user_failed)
  return
end
rest_utils.answer(rest_utils.consts.success.ok)
