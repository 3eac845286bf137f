--
-- Alert definitions (ntopng-lua): the alert types ntopng knows, keyed by their type name, with the numeric
-- alert id, the entity family, the alert category and the check that raises it; the severities; the alert
-- statuses. Written for this project from shared/reference/ntopng/checks.md (§1, §2.1, §2.2, §3, §4).
-- Used by get/alert/type/consts.lua, get/alert/severity/consts.lua and the alert store.
--
-- Ids overlap across families: (entity, alert id) is unique. Flow alert ids are 0..127, host ids 0..31,
-- the "other" family (interface, network, system, user, mac, snmp, active monitoring) 4096 + n.
--

local alert_consts = {}

-- Entities (alert_entities.lua)
alert_consts.alert_entities = {
  interface = { entity_id = 0, label = "Interface" },
  host = { entity_id = 1, label = "Host" },
  network = { entity_id = 2, label = "Network" },
  snmp_device = { entity_id = 3, label = "SNMP Device" },
  flow = { entity_id = 4, label = "Flow" },
  mac = { entity_id = 5, label = "Device" },
  user = { entity_id = 7, label = "User" },
  am_host = { entity_id = 8, label = "Active Monitoring" },
  system = { entity_id = 9, label = "System" },
  test = { entity_id = 10, label = "Test" },
  asn = { entity_id = 11, label = "ASN" },
  domain = { entity_id = 12, label = "Domain" },
  mitre = { entity_id = 13, label = "MITRE" },
  other = { entity_id = 15, label = "Other" },
}

-- Categories (alert_categories.lua)
alert_consts.categories = {
  other = { id = 0, label = "Other", icon = "fas fa-scroll" },
  security = { id = 1, label = "Cybersecurity", icon = "fas fa-shield-alt" },
  internals = { id = 2, label = "Internals", icon = "fas fa-wrench" },
  network = { id = 3, label = "Network", icon = "fas fa-network-wired" },
  system = { id = 4, label = "System", icon = "fas fa-server" },
  ids_ips = { id = 5, label = "IDS/IPS", icon = "fas fa-user-lock" },
  active_monitoring = { id = 6, label = "Active Monitoring", icon = "fas fa-tachometer-alt" },
  snmp = { id = 7, label = "SNMP", icon = "fas fa-ethernet" },
}

-- Severities (alert_severities.lua): name -> { severity_id, syslog_severity, color, used_by_alerts }
alert_consts.alert_severities = {
  none = { severity_id = 0, syslog_severity = 10, color = "#a8e4ef" },
  debug = { severity_id = 1, syslog_severity = 7, color = "#a8e4ef" },
  info = { severity_id = 2, syslog_severity = 6, color = "#c1f0c1", used_by_alerts = true },
  notice = { severity_id = 3, syslog_severity = 5, color = "#5cd65c", used_by_alerts = true },
  warning = { severity_id = 4, syslog_severity = 4, color = "#ffc007", used_by_alerts = true },
  error = { severity_id = 5, syslog_severity = 3, color = "#ff3231", used_by_alerts = true },
  critical = { severity_id = 6, syslog_severity = 2, color = "#fb6962" },
  emergency = { severity_id = 8, syslog_severity = 0, color = "#fb6962" },
}

-- Statuses of stored alerts
alert_consts.alert_status = {
  historical = { alert_status_id = 0 },
  acknowledged = { alert_status_id = 1 },
  engaged = { alert_status_id = 2 },
  any = { alert_status_id = 3 },
}

-- The severity name of a severity id ("error" for 5), nil when unknown.
function alert_consts.alertSeverityById(id)
  id = tonumber(id)
  for name, s in pairs(alert_consts.alert_severities) do
    if s.severity_id == id then return name end
  end
  return nil
end

-- Severities sorted by id, as { name, severity_id } (get/alert/severity/consts.lua).
function alert_consts.get_printable_severities()
  local res = {}
  for name, s in pairs(alert_consts.alert_severities) do
    res[#res + 1] = { name = name, severity_id = s.severity_id }
  end
  table.sort(res, function(a, b) return a.severity_id < b.severity_id end)
  return res
end

-- Utils::mapScoreToSeverity (checks.md §1.2)
function alert_consts.scoreToSeverity(score)
  score = tonumber(score) or 0
  if score <= 0 then return 0 end
  if score < 10 then return 2 end
  if score < 50 then return 3 end
  if score < 100 then return 4 end
  if score < 200 then return 5 end
  if score < 250 then return 6 end
  return 8
end

-- ##############################################
-- Alert types: { type name, alert id, category, check key (script_key), default score }

-- Flow alerts (checks.md §2.1 non-risk checks, §2.2 nDPI risks, and the Pro-only classes)
local flow_alerts = {
  { "flow_alert_blacklisted", 1, "security", "blacklisted", 200 },
  { "flow_alert_blacklisted_country", 2, "security", "country_check", 100 },
  { "flow_alert_flow_blocked", 3, "security", "nedge_blocked", 50 },
  { "flow_alert_data_exfiltration", 4, "security", "data_exfiltration", 100 },
  { "flow_alert_device_protocol_not_allowed", 5, "security", "device_protocol_not_allowed", 100 },
  { "flow_alert_dns_data_exfiltration", 6, "security", "dns_data_exfiltration", 50 },
  { "flow_alert_dns_invalid_query", 7, "network", "invalid_dns_query", 10 },
  { "flow_alert_elephant_flow", 8, "network", "elephant_flows", 50 },
  { "flow_alert_blacklisted_client_contact", 9, "security", "blacklisted_client_contact", 50 },
  { "flow_alert_external", 10, "security", "external_alert_check", 100 },
  { "flow_alert_longlived", 11, "network", "long_lived", 10 },
  { "flow_alert_low_goodput", 12, "network", "low_goodput", 10 },
  { "flow_alert_blacklisted_server_contact", 13, "security", "blacklisted_server_contact", 200 },
  { "flow_alert_internals", 14, "internals", "not_purged", 50 },
  { "flow_alert_remote_to_remote", 16, "network", "remote_to_remote", 10 },
  { "flow_alert_tcp_packets_issues", 19, "network", "tcp_packets_issues", 100 },
  { "flow_alert_tcp_connection_refused", 20, "network", "tcp_connection_refused", 10 },
  { "flow_alert_tls_certificate_expired", 22, "security", "tls_certificate_expired", 100 },
  { "flow_alert_tls_certificate_mismatch", 23, "security", "tls_certificate_mismatch", 100 },
  { "flow_alert_ndpi_tls_old_protocol_version", 24, "security", "ndpi_tls_old_protocol_version", 100 },
  { "flow_alert_tls_unsafe_ciphers", 25, "security", "tls_unsafe_ciphers", 100 },
  { "flow_alert_ndpi_unidirectional_traffic", 26, "network", "ndpi_unidirectional_traffic", 10 },
  { "flow_alert_web_mining_detected", 27, "security", "web_mining", 50 },
  { "flow_alert_tls_certificate_selfsigned", 28, "security", "tls_certificate_selfsigned", 100 },
  { "flow_alert_binary_application_transfer", 29, "security", "binary_application_transfer", 150 },
  { "flow_alert_known_proto_on_non_std_port", 30, "security", "known_proto_on_non_std_port", 50 },
  { "flow_alert_unexpected_dhcp_server", 32, "security", "unexpected_dhcp", 100 },
  { "flow_alert_unexpected_dns_server", 33, "security", "unexpected_dns", 100 },
  { "flow_alert_unexpected_smtp_server", 34, "security", "unexpected_smtp", 100 },
  { "flow_alert_unexpected_ntp_server", 35, "security", "unexpected_ntp", 100 },
  { "flow_alert_zero_tcp_window", 36, "network", "zero_tcp_window", 10 },
  { "flow_alert_iec_invalid_transition", 37, "security", "iec_invalid_transition", 10 },
  { "flow_alert_remote_to_local_insecure_proto", 38, "security", "remote_to_local_insecure_flow", 100 },
  { "flow_alert_ndpi_url_possible_xss", 39, "security", "ndpi_url_possible_xss", 150 },
  { "flow_alert_ndpi_url_possible_sql_injection", 40, "security", "ndpi_url_possible_sql_injection", 150 },
  { "flow_alert_ndpi_url_possible_rce_injection", 41, "security", "ndpi_url_possible_rce_injection", 150 },
  { "flow_alert_ndpi_http_suspicious_user_agent", 42, "security", "ndpi_http_suspicious_user_agent", 100 },
  { "flow_alert_ndpi_numeric_ip_host", 43, "security", "ndpi_numeric_ip_host", 10 },
  { "flow_alert_ndpi_http_suspicious_url", 44, "security", "ndpi_http_suspicious_url", 100 },
  { "flow_alert_ndpi_http_suspicious_header", 45, "security", "ndpi_http_suspicious_header", 100 },
  { "flow_alert_ndpi_tls_not_carrying_https", 46, "security", "ndpi_tls_not_carrying_https", 10 },
  { "flow_alert_ndpi_suspicious_dga_domain", 47, "security", "ndpi_suspicious_dga_domain", 100 },
  { "flow_alert_ndpi_malformed_packet", 48, "security", "ndpi_malformed_packet", 10 },
  { "flow_alert_ndpi_ssh_obsolete_server", 49, "security", "ndpi_ssh_obsolete_server", 50 },
  { "flow_alert_ndpi_smb_insecure_version", 50, "security", "ndpi_smb_insecure_version", 100 },
  { "flow_alert_ndpi_tls_suspicious_esni_usage", 51, "security", "ndpi_tls_suspicious_esni_usage", 50 },
  { "flow_alert_ndpi_unsafe_protocol", 52, "security", "ndpi_unsafe_protocol", 10 },
  { "flow_alert_ndpi_dns_suspicious_traffic", 53, "security", "ndpi_dns_suspicious_traffic", 50 },
  { "flow_alert_ndpi_tls_missing_sni", 54, "security", "ndpi_tls_missing_sni", 50 },
  { "flow_alert_iec_unexpected_type_id", 55, "security", "iec_unexpected_type_id", 10 },
  { "flow_alert_tcp_no_data_exchanged", 56, "network", "tcp_no_data_exchanged", 10 },
  { "flow_alert_remote_access", 57, "security", "remote_access", 10 },
  { "flow_alert_lateral_movement", 58, "security", "lateral_movement", 50 },
  { "flow_alert_periodicity_changed", 59, "network", "periodicity_changed", 1 },
  { "flow_alert_ndpi_tls_cert_validity_too_long", 60, "security", "ndpi_tls_cert_validity_too_long", 50 },
  { "flow_alert_ndpi_ssh_obsolete_client", 61, "security", "ndpi_ssh_obsolete_client", 100 },
  { "flow_alert_ndpi_clear_text_credentials", 62, "security", "ndpi_clear_text_credentials", 100 },
  { "flow_alert_ndpi_http_suspicious_content", 63, "security", "ndpi_http_suspicious_content", 100 },
  { "flow_alert_ndpi_dns_large_packet", 64, "security", "ndpi_dns_large_packet", 50 },
  { "flow_alert_ndpi_dns_fragmented", 65, "security", "ndpi_dns_fragmented", 50 },
  { "flow_alert_ndpi_invalid_characters", 66, "security", "ndpi_invalid_characters", 100 },
  { "flow_alert_broadcast_non_udp_traffic", 67, "network", "broadcast_non_udp_traffic", 100 },
  { "flow_alert_ndpi_possible_exploit", 68, "security", "ndpi_possible_exploit", 150 },
  { "flow_alert_ndpi_tls_certificate_about_to_expire", 69, "security", "ndpi_tls_certificate_about_to_expire", 50 },
  { "flow_alert_ndpi_punicody_idn", 70, "security", "ndpi_punicody_idn", 10 },
  { "flow_alert_ndpi_error_code_detected", 71, "network", "ndpi_error_code_detected", 10 },
  { "flow_alert_ndpi_http_crawler_bot", 72, "network", "ndpi_http_crawler_bot", 10 },
  { "flow_alert_ndpi_suspicious_entropy", 73, "security", "ndpi_suspicious_entropy", 10 },
  { "flow_alert_iec_invalid_command_transition", 74, "security", "iec_invalid_command_transition", 10 },
  { "flow_alert_connection_failed", 75, "network", "tcp_connection_failed", 50 },
  { "flow_alert_ndpi_anonymous_subscriber", 76, "security", "ndpi_anonymous_subscriber", 50 },
  { "flow_alert_ndpi_desktop_or_file_sharing_session", 78, "security", "ndpi_desktop_or_file_sharing_session", 10 },
  { "flow_alert_ndpi_malicious_fingerprint", 79, "security", "ndpi_malicious_fingerprint", 50 },
  { "flow_alert_ndpi_malicious_sha1_certificate", 80, "security", "ndpi_malicious_sha1_certificate", 50 },
  { "flow_alert_ndpi_tls_uncommon_alpn", 81, "other", "ndpi_tls_uncommon_alpn", 50 },
  { "flow_alert_ndpi_tls_suspicious_extension", 82, "security", "ndpi_tls_suspicious_extension", 100 },
  { "flow_alert_ndpi_tls_fatal_alert", 83, "other", "ndpi_tls_fatal_alert", 10 },
  { "flow_alert_ndpi_http_obsolete_server", 84, "security", "ndpi_http_obsolete_server", 50 },
  { "flow_alert_ndpi_risky_asn", 85, "security", "ndpi_risky_asn", 50 },
  { "flow_alert_ndpi_risky_domain", 86, "security", "ndpi_risky_domain", 50 },
  { "flow_alert_custom_lua_script", 87, "other", "custom_lua_script", 100 },
  { "flow_alert_ndpi_periodic_flow", 88, "network", "ndpi_periodic_flow", 10 },
  { "flow_alert_ndpi_minor_issues", 89, "network", "ndpi_minor_issues", 10 },
  { "flow_alert_ndpi_tcp_issues", 90, "network", "ndpi_tcp_issues", 50 },
  { "flow_alert_vlan_bidirectional_traffic", 91, "network", "vlan_bidirectional_traffic", 100 },
  { "flow_alert_rare_destination", 92, "network", "rare_destination", 10 },
  { "flow_alert_modbus_unexpected_function_code", 93, "security", "modbus_unexpected_function_code", 100 },
  { "flow_alert_modbus_too_many_exceptions", 94, "security", "modbus_too_many_exceptions", 100 },
  { "flow_alert_modbus_invalid_transition", 95, "security", "modbus_invalid_transition", 10 },
  { "flow_alert_ndpi_fully_encrypted", 96, "network", "ndpi_fully_encrypted", 50 },
  { "flow_alert_ndpi_tls_alpn_sni_mismatch", 97, "security", "ndpi_tls_alpn_sni_mismatch", 50 },
  { "flow_alert_ndpi_malware_host_contacted", 98, "security", "ndpi_malware_host_contacted", 150 },
  { "flow_alert_ndpi_binary_data_transfer", 99, "security", "ndpi_binary_data_transfer", 50 },
  { "flow_alert_tcp_flow_reset", 100, "network", "tcp_flow_reset", 10 },
  { "flow_alert_ndpi_probing_attempt", 101, "security", "ndpi_probing_attempt", 50 },
}

-- Host alerts (checks.md §3)
local host_alerts = {
  { "host_alert_smtp_server_contacts", 1, "network", "smtp_contacts", 10 },
  { "host_alert_dns_server_contacts", 2, "network", "dns_contacts", 10 },
  { "host_alert_ntp_server_contacts", 3, "network", "ntp_contacts", 10 },
  { "host_alert_flow_flood", 4, "security", "flow_flood", 50 },
  { "host_alert_syn_scan", 5, "security", "syn_scan", 50 },
  { "host_alert_syn_flood", 6, "security", "syn_flood", 250 },
  { "host_alert_domain_names_contacts", 7, "network", "domain_names_contacts", 10 },
  { "host_alert_unexpected_gateway", 8, "network", "unexpected_gateway", 100 },
  { "host_alert_flow_anomaly", 10, "network", "flow_anomaly", 50 },
  { "host_alert_score_anomaly", 11, "security", "score_anomaly", 50 },
  { "host_alert_remote_connection", 12, "security", "remote_connection", 10 },
  { "host_alert_dangerous_host", 14, "security", "dangerous_host", 100 },
  { "host_alert_countries_contacts", 16, "network", "countries_contacts", 10 },
  { "host_alert_score_threshold", 17, "security", "score_threshold", 150 },
  { "host_alert_icmp_flood", 18, "security", "icmp_flood", 50 },
  { "host_alert_scan_detected", 20, "security", "scan_detection", 100 },
  { "host_alert_fin_scan", 21, "security", "fin_scan", 50 },
  { "host_alert_dns_flood", 22, "security", "dns_flood", 50 },
  { "host_alert_snmp_flood", 23, "security", "snmp_flood", 50 },
  { "host_alert_custom_lua_script", 24, "other", "custom_host_lua_script", 100 },
  { "host_alert_rst_scan", 25, "security", "rst_scan", 50 },
  { "host_alert_external_script", 27, "other", "external_host_script", 100 },
  { "host_alert_host_scanner", 28, "security", "host_scanner", 200 },
  { "host_alert_server_ports_contacts", 29, "security", "server_ports_contacts", 50 },
}

-- "Other" alerts: interface, network, system, user (checks.md §1.6, §4)
local other_alerts = {
  { "alert_dropped_alerts", 4099, "internals", "dropped_alerts", "interface" },
  { "alert_ghost_network", 4102, "network", "ghost_networks", "network" },
  { "alert_login_failed", 4111, "security", "login_failed", "user" },
  { "alert_mac_ip_association_change", 4112, "network", "ip_reassignment", "mac" },
  { "alert_periodic_activity_not_executed", 4118, "internals", "periodic_activity_not_executed", "system" },
  { "alert_slow_periodic_activity", 4128, "internals", "slow_periodic_activity", "system" },
  { "alert_threshold_cross", 4136, "network", "threshold_cross", "interface" },
  { "alert_too_many_drops", 4137, "network", "too_many_drops", "interface" },
  { "alert_no_if_activity", 4146, "network", "no_if_activity", "interface" },
  { "alert_flow_flood_victim", 4153, "security", "flow_flood_victim", "network" },
  { "alert_tcp_syn_scan_victim", 4157, "security", "syn_scan_victim", "network" },
  { "alert_broadcast_domain_too_large", 4164, "network", "broadcast_domain_too_large", "network" },
  { "alert_network_discovery_executed", 4171, "network", "network_discovery", "network" },
  { "alert_network_issues", 4179, "network", "network_issues", "network" },
  { "alert_system_error", 4187, "system", "system_error", "system" },
  -- This build's type for user network checks (the seeds' example names it; ntopng has no such type).
  { "alert_network_anomaly", 4400, "other", "custom_network_lua_script", "network" },
}

-- alert_types[type name] = { meta = { alert_key, entity, category, script_key, default_score } }
alert_consts.alert_types = {}

local function add(list, entity)
  for _, a in ipairs(list) do
    alert_consts.alert_types[a[1]] = {
      meta = {
        alert_key = a[2],
        entity = a[5] ~= nil and type(a[5]) == "string" and a[5] or entity,
        category = a[3],
        script_key = a[4],
        default_score = type(a[5]) == "number" and a[5] or nil,
      },
    }
  end
end
add(flow_alerts, "flow")
add(host_alerts, "host")
add(other_alerts, "other")

-- The type name of (entity family, alert id): alertTypeRaw("flow", 28) -> "flow_alert_tls_certificate_selfsigned".
-- Families "flow" and "host" are their own; anything else looks among the "other" alerts.
function alert_consts.alertTypeRaw(family, alert_id)
  alert_id = tonumber(alert_id)
  for name, t in pairs(alert_consts.alert_types) do
    local fam = t.meta.entity
    if fam ~= "flow" and fam ~= "host" then fam = "other" end
    local want = family
    if want ~= "flow" and want ~= "host" then want = "other" end
    if fam == want and t.meta.alert_key == alert_id then return name end
  end
  return nil
end

-- A readable label of a type name: "flow_alert_tls_certificate_selfsigned" -> "Tls Certificate Selfsigned".
function alert_consts.alertTypeLabel(type_name)
  local s = tostring(type_name or "")
  s = string.gsub(s, "^flow_alert_", "")
  s = string.gsub(s, "^host_alert_", "")
  s = string.gsub(s, "^alert_", "")
  s = string.gsub(s, "_", " ")
  return (string.gsub(s, "(%a)([%w]*)", function(a, b) return string.upper(a) .. b end))
end

-- Every type as { type = name, key = id }, flow first, then host, then the others, each by id.
function alert_consts.get_alert_type_list()
  local order = { flow = 1, host = 2 }
  local res = {}
  for name, t in pairs(alert_consts.alert_types) do
    res[#res + 1] = { type = name, key = t.meta.alert_key, fam = order[t.meta.entity] or 3 }
  end
  table.sort(res, function(a, b)
    if a.fam ~= b.fam then return a.fam < b.fam end
    return a.key < b.key
  end)
  for _, r in ipairs(res) do r.fam = nil end
  return res
end

return alert_consts
