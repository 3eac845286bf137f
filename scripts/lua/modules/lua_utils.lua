--
-- Helpers that ntopng REST scripts use as globals after `require "lua_utils"`, written for this project
-- (ntopng-lua). The set and their behaviour follow shared/reference/ntopng/lua_engine.md §7; the module
-- defines globals (and adds to `string` and `table`) in the requesting script's environment only.
--

local rest_utils = require("rest_utils")

-- ##############################################
-- Response head (aliases of the rest_utils functions, as in ntopng)

sendHTTPHeader = rest_utils.sendHTTPHeader
sendHTTPContentTypeHeader = rest_utils.sendHTTPContentTypeHeader

-- ##############################################
-- Strings

-- True for nil, "" and " ".
function isEmptyString(s)
  return s == nil or s == "" or s == " "
end

-- Splits `s` at every match of the Lua pattern `sep`; the whole string when there is none.
local function split_all(s, sep)
  local out = {}
  if s == nil then return out end
  s = tostring(s)
  if sep == nil or sep == "" then
    out[1] = s
    return out
  end
  local pos = 1
  while true do
    local a, b = string.find(s, sep, pos)
    if a == nil or b < a then
      -- no more matches (or an empty match, which would not advance)
      out[#out + 1] = string.sub(s, pos)
      return out
    end
    out[#out + 1] = string.sub(s, pos, a - 1)
    pos = b + 1
  end
end

-- split(s, sep): array of the parts of `s` between matches of the pattern `sep`.
function split(s, sep)
  return split_all(s, sep)
end

-- string.split(s, sep): like split, but nil when `sep` does not occur in `s`.
function string.split(s, sep)
  if s == nil or sep == nil or sep == "" then return nil end
  if string.find(s, sep) == nil then return nil end
  return split_all(s, sep)
end

-- string.starts(s, prefix), string.ends(s, suffix): plain comparisons.
function string.starts(s, prefix)
  return type(s) == "string" and type(prefix) == "string" and string.sub(s, 1, #prefix) == prefix
end

function string.ends(s, suffix)
  return type(s) == "string" and type(suffix) == "string" and (suffix == "" or string.sub(s, -#suffix) == suffix)
end

-- ##############################################
-- Values

function ternary(cond, a, b)
  if cond then return a end
  return b
end

-- true for true, "true", "1", 1; false for false, "false", "0", 0; nil otherwise.
function toboolean(v)
  if v == true or v == "true" or v == "1" or v == 1 then return true end
  if v == false or v == "false" or v == "0" or v == 0 then return false end
  return nil
end

-- round(x [, decimals])
function round(x, decimals)
  x = tonumber(x)
  if x == nil then return nil end
  local m = 10 ^ (decimals or 0)
  local r = math.floor(x * m + 0.5) / m
  if (decimals or 0) == 0 then return math.tointeger(r) or r end
  return r
end

-- formatValue(n): the number with thousands separators ("1,234,567"); non-integers keep two decimals.
function formatValue(n)
  n = tonumber(n)
  if n == nil then return "0" end
  local neg = n < 0
  if neg then n = -n end
  local int = math.floor(n)
  local frac = n - int
  local digits = string.format("%d", int)
  local groups = {}
  while #digits > 3 do
    table.insert(groups, 1, string.sub(digits, -3))
    digits = string.sub(digits, 1, -4)
  end
  table.insert(groups, 1, digits)
  local s = table.concat(groups, ",")
  if frac > 0 then
    local decimals = string.format("%.2f", frac)
    if decimals == "1.00" then
      return formatValue((neg and -1 or 1) * (int + 1))
    end
    s = s .. string.sub(decimals, 2)
  end
  if neg then s = "-" .. s end
  return s
end

-- ##############################################
-- Tables

-- Number of entries (any keys); 0 for nil.
function table.len(t)
  if type(t) ~= "table" then return 0 end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- Deep copy (metatables are shared, not copied).
function table.clone(t, seen)
  if type(t) ~= "table" then return t end
  seen = seen or {}
  if seen[t] then return seen[t] end
  local c = {}
  seen[t] = c
  for k, v in pairs(t) do c[table.clone(k, seen)] = table.clone(v, seen) end
  return setmetatable(c, getmetatable(t))
end

-- A new table with the entries of a, then those of b (b wins).
function table.merge(a, b)
  local r = {}
  for k, v in pairs(a or {}) do r[k] = v end
  for k, v in pairs(b or {}) do r[k] = v end
  return r
end

function asc(a, b) return a < b end
function rev(a, b) return a > b end
function asc_insensitive(a, b) return string.lower(tostring(a)) < string.lower(tostring(b)) end

local function sorted_iter(t, keys)
  local i = 0
  return function()
    i = i + 1
    local k = keys[i]
    if k ~= nil then return k, t[k] end
  end
end

-- pairsByKeys(t [, cmp]): pairs of t by sorted keys (cmp defaults to asc).
function pairsByKeys(t, cmp)
  local keys = {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys, cmp or asc)
  return sorted_iter(t or {}, keys)
end

-- pairsByValues(t [, cmp]): pairs of t ordered by value.
function pairsByValues(t, cmp)
  cmp = cmp or asc
  local keys = {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys, function(x, y) return cmp(t[x], t[y]) end)
  return sorted_iter(t or {}, keys)
end

-- tprint(value): writes a readable dump of a value to the console (not to the response) and returns it.
function tprint(v, indent)
  local lines = {}
  local function dump(x, depth, seen)
    local pad = string.rep("  ", depth)
    if type(x) ~= "table" then
      lines[#lines + 1] = pad .. tostring(x)
      return
    end
    if seen[x] then
      lines[#lines + 1] = pad .. "<cycle>"
      return
    end
    seen[x] = true
    for k, val in pairsByKeys(x, asc_insensitive) do
      if type(val) == "table" then
        lines[#lines + 1] = pad .. tostring(k) .. ":"
        dump(val, depth + 1, seen)
      else
        lines[#lines + 1] = pad .. tostring(k) .. " = " .. tostring(val)
      end
    end
    seen[x] = nil
  end
  dump(v, indent or 0, {})
  local text = table.concat(lines, "\n")
  io.write(text .. "\n")
  return text
end

-- ##############################################
-- Users and interfaces

function isAdministrator()
  return ntop.isAdministrator()
end

function isNoLoginUser()
  return _SESSION ~= nil and _SESSION["user"] == ntop.getNologinUser()
end

-- The id of ntopng's system interface.
function getSystemInterfaceId()
  return "-1"
end

-- isAdministratorOrPrintErr(): true for administrators. ntopng also renders an HTML error page for other
-- users; here nothing is printed, so REST scripts can answer NOT_GRANTED themselves.
function isAdministratorOrPrintErr()
  return isAdministrator()
end

-- ##############################################
-- Hosts, as REST parameters name them (rest_v2.md §3)

-- "ip@vlan" (or "ip") -> { host = ip, vlan = n }
function hostkey2hostinfo(key)
  key = tostring(key or "")
  local ip, vlan = string.match(key, "^(.-)@(%d+)$")
  if ip == nil then return { host = key, vlan = 0 } end
  return { host = ip, vlan = tonumber(vlan) }
end

-- { host = ip, vlan = n } -> "ip", or "ip@vlan" when vlan is not 0
function hostinfo2hostkey(info)
  local host = info["host"] or info["ip"] or ""
  local vlan = tonumber(info["vlan"]) or 0
  if vlan ~= 0 then return host .. "@" .. vlan end
  return host
end

-- The "jquery id" of a host key: "." -> "__", ":" -> "____", "/" -> "___", "@" -> "_".
function hostinfo2jqueryid(info)
  local key = hostinfo2hostkey(info)
  key = string.gsub(key, ":", "____")
  key = string.gsub(key, "%.", "__")
  key = string.gsub(key, "/", "___")
  key = string.gsub(key, "@", "_")
  return key
end

-- The host a request names: `host` ("ip" or "ip@vlan"), with `vlan` overriding the vlan of the key.
-- nil when there is no host parameter.
function url2hostinfo(get)
  if get == nil or isEmptyString(get["host"]) then return nil end
  local info = hostkey2hostinfo(get["host"])
  if not isEmptyString(get["vlan"]) and tonumber(get["vlan"]) then
    info["vlan"] = tonumber(get["vlan"])
  end
  return info
end

-- The user alias of a host (set with set/host/alias.lua), nil when none.
function getHostAltName(hostkey)
  local alias = ntop.getHashCache("ntopng.host_labels", hostkey)
  if isEmptyString(alias) then return nil end
  return alias
end

-- ##############################################
-- Tables and times, as the GUI shows them

function getDefaultTableSize()
  return 10
end

-- secondsToTime(secs): "00:23 sec", "05:10 min", "2:03:04 h", "3 days, 2:03:04 h"
function secondsToTime(secs)
  secs = math.floor(tonumber(secs) or 0)
  if secs < 0 then secs = 0 end
  local days = secs // 86400
  local rem = secs % 86400
  local h, m, s = rem // 3600, (rem % 3600) // 60, rem % 60
  local text
  if days == 0 and h == 0 and m == 0 then
    text = string.format("00:%02d sec", s)
  elseif days == 0 and h == 0 then
    text = string.format("%02d:%02d min", m, s)
  else
    text = string.format("%d:%02d:%02d h", h, m, s)
  end
  if days > 0 then
    text = string.format("%d %s, %s", days, days == 1 and "day" or "days", text)
  end
  return text
end

-- ##############################################
-- Interfaces

-- The user alias of an interface (set with set/interface/alias.lua), nil when none.
function getInterfaceNameAlias(ifid)
  local alias = ntop.getCache("ntopng.prefs.ifid_" .. tostring(ifid) .. ".name")
  if isEmptyString(alias) then return nil end
  return alias
end

-- The name the GUI shows for an interface: its alias, else its name without a directory part.
function getHumanReadableInterfaceName(ifid, ifname)
  local alias = getInterfaceNameAlias(ifid)
  if alias ~= nil then return alias end
  ifname = tostring(ifname or "")
  return (string.match(ifname, "([^/]+)$") or ifname)
end

return true
