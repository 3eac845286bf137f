--
-- IP protocol numbers and names as ntopng lists them (ntopng-lua; rest_v2.md §4.16).
--

local l4_protocol_list = {}

-- { name, id, other } in ntopng's order (ICMPv6 and IGMP appear twice, as in ntopng).
l4_protocol_list.l4_keys = {
  { "IP", 0, "ip" },
  { "ICMP", 1, "icmp" },
  { "IGMP", 2, "igmp" },
  { "TCP", 6, "tcp" },
  { "UDP", 17, "udp" },
  { "IPv6", 41, "ipv6" },
  { "RSVP", 46, "rsvp" },
  { "GRE", 47, "gre" },
  { "ESP", 50, "esp" },
  { "IPv6-ICMP", 58, "ipv6icmp" },
  { "EIGRP", 88, "eigrp" },
  { "OSPF", 89, "ospf" },
  { "PIM", 103, "pim" },
  { "VRRP", 112, "vrrp" },
  { "L2TP", 115, "l2tp" },
  { "HIP", 139, "hip" },
  { "SCTP", 132, "sctp" },
  { "ICMPv6", 58, "icmpv6" },
  { "IGMP", 2, "igmp" },
  { "Other IP", -1, "other_ip" },
}

-- The number of an L4 protocol name ("TCP", "tcp", "IPv6-ICMP"), nil when unknown.
function l4_protocol_list.l4_proto_to_id(name)
  if name == nil then return nil end
  local n = tonumber(name)
  if n ~= nil then return n end
  local lname = string.lower(tostring(name))
  for _, p in ipairs(l4_protocol_list.l4_keys) do
    if string.lower(p[1]) == lname or p[3] == lname then return p[2] end
  end
  return nil
end

-- The name of an L4 protocol number ("TCP"), "Other IP" when not listed.
function l4_protocol_list.l4_proto_to_string(id)
  id = tonumber(id)
  for _, p in ipairs(l4_protocol_list.l4_keys) do
    if p[2] == id then return p[1] end
  end
  return "Other IP"
end

return l4_protocol_list
