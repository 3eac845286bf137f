--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- The broadcast domains seen on an interface (§4.7): {bcast_domains = {<cidr> = {ghost_network, hits}}}.
local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
local domains = {}
for cidr, d in pairs(interface.getStats()["bcast_domains"] or {}) do
  if type(d) == "table" then
    domains[cidr] = { ghost_network = d.ghost_network and true or false, hits = tonumber(d.hits) or 0 }
  else
    domains[cidr] = { ghost_network = false, hits = tonumber(d) or 0 }
  end
end
-- an empty object, not []
setmetatable(domains, { __jsontype = "object" })
rest_utils.answer(rest_utils.consts.success.ok, { bcast_domains = domains })
