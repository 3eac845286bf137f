--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- The IP addresses of an interface (§4.6): {addresses = [...]}; none for a pcap file.
local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
local addresses = {}
for a in string.gmatch(interface.getStats()["ip_addresses"] or "", "[^,]+") do
  a = string.match(a, "^%s*(.-)%s*$")
  if a ~= "" then addresses[#addresses + 1] = a end
end
rest_utils.answer(rest_utils.consts.success.ok, { addresses = addresses })
