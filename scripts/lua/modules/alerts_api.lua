--
-- (ntopng-lua) alerts_api: what check scripts call to raise and release alerts, written for this project
-- from the network seed (shared/seeds/002) and lua_engine.md §5-6. An alert is described by one table:
-- alert_entity (from the *Entity helpers), alert_type (an alert_consts.alert_types entry), alert_severity
-- (an alert_consts.alert_severities entry; else from alert_score), alert_score, alert_subtype,
-- alert_granularity and alert_type_params (stored as the alert's JSON).
--
local alert_consts = require("alert_consts")

local alerts_api = {}

local function entity(kind, value)
  return { alert_entity = alert_consts.alert_entities[kind], entity_val = value }
end

function alerts_api.networkEntity(cidr) return entity("network", cidr) end
function alerts_api.hostAlertEntity(ip, vlan)
  local v = tonumber(vlan) or 0
  return entity("host", v ~= 0 and (ip .. "@" .. v) or ip)
end
function alerts_api.interfaceAlertEntity(ifid) return entity("interface", tostring(ifid)) end

-- ntopng's older form store(entity_info, type_info) is accepted as well as one merged table.
local function merged(info, type_info)
  if type(info) ~= "table" then error("alerts_api: an alert table is required", 3) end
  if type_info == nil then return info end
  local a = {}
  for k, v in pairs(type_info) do a[k] = v end
  for k, v in pairs(info) do a[k] = v end
  if info.alert_entity and info.entity_val == nil then a.alert_entity = info.alert_entity end
  return a
end

local function entity_kind(a)
  local e = a.alert_entity
  if type(e) == "table" and type(e.alert_entity) == "table" then e = e.alert_entity end
  if type(e) ~= "table" then return nil end
  for k, v in pairs(alert_consts.alert_entities) do
    if v.entity_id == e.entity_id then return k end
  end
  return nil
end

local function apply(a, store)
  local kind = entity_kind(a)
  if kind == "network" then
    if store then network.storeTriggeredAlert(a) else network.releaseTriggeredAlert(a) end
    return true
  end
  error("alerts_api: only network alerts can be " .. (store and "stored" or "released") ..
    " this way in this build (flows: flow.triggerAlert, hosts: host.triggerAlert)", 3)
end

-- Engages the alert (it stays engaged until released).
function alerts_api.store(info, type_info) return apply(merged(info, type_info), true) end
alerts_api.trigger = alerts_api.store

-- Releases the engaged alert of the same type and subtype: it becomes historical.
function alerts_api.release(info, type_info) return apply(merged(info, type_info), false) end

return alerts_api
