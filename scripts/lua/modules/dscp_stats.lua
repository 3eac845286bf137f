--
-- DSCP counters of an interface or a host as REST items (ntopng-lua; rest_v2.md §4.5).
--

local dscp_consts = require("dscp_consts")

local dscp_stats = {}

local function num(v) return tonumber(v) or 0 end

-- Packets of one DSCP entry in a direction ("sent", "rcvd" or "both"). An entry is
-- { ["packets.sent"], ["packets.rcvd"], ... } or { sent = { packets }, rcvd = { packets } }.
local function packets(e, direction)
  if type(e) ~= "table" then return num(e) end
  local sent = e["packets.sent"] or (type(e.sent) == "table" and e.sent.packets) or 0
  local rcvd = e["packets.rcvd"] or (type(e.rcvd) == "table" and e.rcvd.packets) or 0
  if direction == "sent" then return num(sent) end
  if direction == "rcvd" then return num(rcvd) end
  return num(sent) + num(rcvd)
end

-- Items { label, value } for the classes with traffic. `dscp` is keyed by code point (number or string)
-- or by class name ("cs0", "ef").
function dscp_stats.items(dscp, direction)
  local by_code = {}
  for k, e in pairs(dscp or {}) do
    local code = dscp_consts.to_code(k)
    if code ~= nil then
      by_code[code] = (by_code[code] or 0) + packets(e, direction)
    end
  end
  local res = {}
  for code, v in pairs(by_code) do
    if v > 0 then res[#res + 1] = { label = dscp_consts.label(code), value = v } end
  end
  return res
end

return dscp_stats
