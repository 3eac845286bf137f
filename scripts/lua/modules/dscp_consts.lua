--
-- DiffServ code points and the labels REST answers use for them (ntopng-lua; rest_v2.md §4.5: the class
-- description followed by the code name, e.g. "Best Effort (CS0)"). Descriptions follow RFC 4594 / 8622.
--

local dscp_consts = {}

local classes = {
  [0] = { "cs0", "Best Effort" },
  [1] = { "le", "Lower Effort" },
  [8] = { "cs1", "Low-Priority Data" },
  [10] = { "af11", "High-Throughput Data" },
  [12] = { "af12", "High-Throughput Data" },
  [14] = { "af13", "High-Throughput Data" },
  [16] = { "cs2", "Network Management" },
  [18] = { "af21", "Low-Latency Data" },
  [20] = { "af22", "Low-Latency Data" },
  [22] = { "af23", "Low-Latency Data" },
  [24] = { "cs3", "Broadcast Video" },
  [26] = { "af31", "Multimedia Streaming" },
  [28] = { "af32", "Multimedia Streaming" },
  [30] = { "af33", "Multimedia Streaming" },
  [32] = { "cs4", "Real-Time Interactive" },
  [34] = { "af41", "Multimedia Conferencing" },
  [36] = { "af42", "Multimedia Conferencing" },
  [38] = { "af43", "Multimedia Conferencing" },
  [40] = { "cs5", "Signaling" },
  [44] = { "va", "Voice Admit" },
  [46] = { "ef", "Telephony" },
  [48] = { "cs6", "Network Control" },
  [56] = { "cs7", "Reserved" },
}

local by_name = {}
for code, c in pairs(classes) do by_name[c[1]] = code end

-- The code point (0..63) of a class given as a number, "46", "ef" or "EF"; nil when unknown.
function dscp_consts.to_code(v)
  local n = tonumber(v)
  if n ~= nil then return math.tointeger(n) end
  if type(v) ~= "string" then return nil end
  return by_name[string.lower(v)]
end

-- The label of a code point: "Telephony (EF)", "Unknown (DSCP 5)" for unassigned values.
function dscp_consts.label(code)
  local c = classes[tonumber(code) or -1]
  if c == nil then return "Unknown (DSCP " .. tostring(code) .. ")" end
  return c[2] .. " (" .. string.upper(c[1]) .. ")"
end

return dscp_consts
