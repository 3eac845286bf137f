//! Which notification endpoints the daemon sends alerts to: those configured in ntopng's store keys
//! (endpoints added through ntopng's GUI/REST into the same Redis) and those of `--alert-endpoint`.

use ntopng_alerts::EndpointSpec;
use ntopng_store::KvStore;

/// ntopng's hash of endpoint id → endpoint type key (`syslog`, `webhook`, `email`, ...).
const ENDPOINT_TYPES: &str = "ntopng.prefs.notification_endpoint.endpoint_conf_name_endpoint_key";

/// ntopng's hash of endpoint id → parameters (JSON) of one endpoint type.
fn configs_key(endpoint_key: &str) -> String {
    format!("ntopng.prefs.notification_endpoint.endpoint_key_{endpoint_key}.configs")
}

/// The syslog and webhook endpoints stored with ntopng's keys (other types are skipped with a note),
/// then those given on the command line.
pub fn endpoints(cli_specs: &[String], store: &dyn KvStore) -> Result<Vec<EndpointSpec>, String> {
    let mut out = Vec::new();
    match store.hgetall(ENDPOINT_TYPES) {
        Ok(types) => {
            for (id, key) in types {
                let conf = match store.hget(&configs_key(&key), &id) {
                    Ok(Some(c)) => c,
                    Ok(None) => continue,
                    Err(e) => {
                        log::warn!("notification endpoint {id}: {e}");
                        continue;
                    }
                };
                let conf: serde_json::Value = match serde_json::from_str(&conf) {
                    Ok(v) => v,
                    Err(e) => {
                        log::warn!("notification endpoint {id}: stored parameters are not JSON: {e}");
                        continue;
                    }
                };
                match EndpointSpec::from_ntopng(&key, &conf) {
                    Ok(Some(spec)) => out.push(spec),
                    Ok(None) => log::info!("notification endpoint {id} ({key}): type not supported, skipped"),
                    Err(e) => log::warn!("notification endpoint {id} ({key}): {e}"),
                }
            }
        }
        Err(e) => log::warn!("notification endpoints: {e}"),
    }
    for s in cli_specs {
        out.push(EndpointSpec::parse(s).map_err(|e| format!("--alert-endpoint {s}: {e}"))?);
    }
    Ok(out)
}
