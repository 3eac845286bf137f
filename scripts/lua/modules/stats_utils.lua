--
-- Pie-chart style statistics for REST answers (ntopng-lua, written for this project from
-- shared/reference/ntopng/rest_v2.md §4.4-4.5).
--

local stats_utils = {}

-- The sum of the `value` fields of an array of { label, value, ... }.
function stats_utils.total(stats)
  local tot = 0
  for _, e in ipairs(stats or {}) do tot = tot + (tonumber(e.value) or 0) end
  return tot
end

-- collapse_stats(stats, min_slices, threshold_pct): `stats` is an array sorted by value, descending.
-- The first `min_slices` entries are always kept; a later entry is kept only if it is at least
-- `threshold_pct` % of the total, otherwise its value goes to a final { label = "Other" } entry, which is
-- appended whenever something was kept (even with value 0).
function stats_utils.collapse_stats(stats, min_slices, threshold_pct)
  local total = stats_utils.total(stats)
  local res, other = {}, 0
  for i, e in ipairs(stats or {}) do
    local v = tonumber(e.value) or 0
    if i <= (min_slices or 1) or (total > 0 and (v * 100 / total) >= (threshold_pct or 0)) then
      res[#res + 1] = e
    else
      other = other + v
    end
  end
  if #res > 0 then
    res[#res + 1] = { label = "Other", value = other }
  end
  return res
end

-- Sorts an array of { label, value } by value, descending (label ascending between equal values, so
-- answers are stable).
function stats_utils.sort_desc(stats)
  table.sort(stats, function(a, b)
    local va, vb = tonumber(a.value) or 0, tonumber(b.value) or 0
    if va ~= vb then return va > vb end
    return tostring(a.label) < tostring(b.label)
  end)
  return stats
end

return stats_utils
