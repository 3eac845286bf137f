--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Creates an API token for a user (§2): rsp = {api_token}. `username` (default: the caller); only
-- administrators may create tokens for other users. A new token replaces the user's previous one.
local user_params = require("user_params")

local username = _GET["username"]
if isEmptyString(username) then username = _SESSION["user"] end
if isEmptyString(username) then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end
if username ~= _SESSION["user"] and not isAdministrator() then
  rest_utils.answer(rest_utils.consts.err.not_granted)
  return
end
if not user_params.exists(username) then
  rest_utils.answer(rest_utils.consts.err.user_does_not_exist)
  return
end

local token = ntop.createUserAPIToken(username)
if isEmptyString(token) then
  rest_utils.answer(rest_utils.consts.err.internal_error)
  return
end
rest_utils.answer(rest_utils.consts.success.ok, { api_token = token })
