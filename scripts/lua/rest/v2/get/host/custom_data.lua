--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Selected fields of one host (§4.12). `field_alias` = comma list of `field` or `field=alias`
-- (fields are Host::lua keys such as "ip" or "bytes.rcvd").
local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end
if isEmptyString(_GET["field_alias"]) then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

interface.select(ifid)
local host = rest_utils.host_or_answer(_GET)
if not host then return end

local res = {}
for item in string.gmatch(_GET["field_alias"], "[^,]+") do
  local field, alias = string.match(item, "^%s*(.-)%s*=%s*(.-)%s*$")
  if field == nil then
    field = string.match(item, "^%s*(.-)%s*$")
    alias = field
  end
  if field ~= "" then res[alias] = host[field] end
end
rest_utils.answer(rest_utils.consts.success.ok, res)
