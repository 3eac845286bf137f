--
-- L7 traffic per application, breed or category, from the `ndpi` and `ndpi_categories` tables of
-- interface.getStats() / interface.getHostInfo() (ntopng-lua; rest_v2.md §4.4, §4.10; data_model.md §2.2).
--

require "lua_utils"

local l7_stats = {}

local function num(v) return tonumber(v) or 0 end

-- The flows page of an application, for known nDPI protocol names; nil otherwise.
function l7_stats.app_url(label)
  local ok, id = pcall(interface.getnDPIProtoId, label)
  if not ok or id == nil or tonumber(id) == nil or tonumber(id) < 0 then return nil end
  if tonumber(id) == 0 and label ~= "Unknown" then return nil end
  return ntop.getHttpPrefix() .. "/lua/flows_stats.lua?application=" .. label
end

-- Items { label, value[, url][, duration] } (value = bytes sent + received), not sorted.
-- by_breed: one item per breed; by_category: one per category; else one per application.
-- with_duration: add `duration` (seconds of activity; 0 for breeds and categories).
function l7_stats.items(ndpi, ndpi_categories, by_breed, by_category, with_duration)
  local res = {}
  if by_category then
    for cat, s in pairs(ndpi_categories or {}) do
      local v = tonumber(s["bytes"]) or (num(s["bytes.sent"]) + num(s["bytes.rcvd"]))
      local e = { label = cat, value = v }
      if with_duration then e.duration = 0 end
      res[#res + 1] = e
    end
  elseif by_breed then
    local breeds = {}
    for _, s in pairs(ndpi or {}) do
      local b = s["breed"] or "Unrated"
      breeds[b] = (breeds[b] or 0) + num(s["bytes.sent"]) + num(s["bytes.rcvd"])
    end
    for b, v in pairs(breeds) do
      local e = { label = b, value = v }
      if with_duration then e.duration = 0 end
      res[#res + 1] = e
    end
  else
    for app, s in pairs(ndpi or {}) do
      local e = { label = app, value = num(s["bytes.sent"]) + num(s["bytes.rcvd"]) }
      if with_duration then
        e.duration = math.tointeger(num(s["duration"])) or num(s["duration"])
      else
        e.url = l7_stats.app_url(app)
      end
      res[#res + 1] = e
    end
  end
  return res
end

return l7_stats
