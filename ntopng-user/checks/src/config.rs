//! The checks' run-time configuration: on/off and `script_conf` per check, changeable while the
//! daemon runs and kept in the KvStore under ntopng's configset key.

use crate::registry::{Family, Registry};
use ntopng_store::KvStore;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// ntopng's Redis key of the checks configuration.
pub const CONFIGSET_KEY: &str = "ntopng.prefs.checks.configset_v1";

#[derive(Debug, Clone, PartialEq)]
pub struct CheckConf {
    pub enabled: bool,
    /// The check's parameters as ntopng names them (`threshold`, `items`, ...).
    pub script_conf: Map<String, Value>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// `check_subdir`/`script_key` name no check.
    UnknownCheck,
    /// The JSON given is not `{<hook>: {enabled, script_conf}}`.
    BadConfig(String),
    Store(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownCheck => write!(f, "unknown check"),
            ConfigError::BadConfig(e) => write!(f, "bad check configuration: {e}"),
            ConfigError::Store(e) => write!(f, "cannot save the checks configuration: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The registry plus each check's current configuration.
pub struct Checks {
    registry: Arc<Registry>,
    confs: RwLock<Vec<CheckConf>>,
    /// Risk bits whose check is on: what the engine hands over at classification.
    risk_mask: Arc<AtomicU64>,
    store: RwLock<Option<Arc<dyn KvStore>>>,
    /// The stored text last read or written.
    seen: std::sync::Mutex<String>,
}

impl Checks {
    /// Defaults, overridden by the configuration stored in `store` if there is one.
    pub fn new(registry: Arc<Registry>, store: Option<Arc<dyn KvStore>>) -> Checks {
        let confs = registry
            .all()
            .iter()
            .map(|c| {
                let mut script_conf = Map::new();
                if let Some(t) = c.default_threshold {
                    script_conf.insert("threshold".into(), json!(t));
                }
                if c.family == Family::Flow {
                    script_conf.extend(crate::flow::default_script_conf(c.key));
                }
                CheckConf { enabled: c.default_enabled, script_conf }
            })
            .collect();
        let checks = Checks { registry, confs: RwLock::new(confs), risk_mask: Arc::new(AtomicU64::new(0)), store: RwLock::new(store), seen: Default::default() };
        checks.load();
        checks.publish_mask();
        checks
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The risk bits to hand over, shared with the engine (read once per classified flow).
    pub fn risk_mask(&self) -> Arc<AtomicU64> {
        self.risk_mask.clone()
    }

    pub fn conf(&self, family: Family, key: &str) -> Option<CheckConf> {
        let i = self.registry.position(family, key)?;
        Some(self.confs.read().expect("checks lock")[i].clone())
    }

    pub fn is_enabled(&self, family: Family, key: &str) -> bool {
        self.registry.position(family, key).is_some_and(|i| self.enabled_at(i))
    }

    /// Whether the check at `position` in [`Registry::all`] is on.
    pub fn enabled_at(&self, position: usize) -> bool {
        self.confs.read().expect("checks lock").get(position).is_some_and(|c| c.enabled)
    }

    /// `script_conf.threshold` of a check.
    pub fn threshold(&self, family: Family, key: &str) -> Option<u64> {
        self.conf(family, key)?.script_conf.get("threshold")?.as_u64()
    }

    /// `enable/check.lua`, `disable/check.lua`.
    pub fn set_enabled(&self, subdir: &str, key: &str, enabled: bool) -> Result<(), ConfigError> {
        let family = Family::from_subdir(subdir).ok_or(ConfigError::UnknownCheck)?;
        let i = self.registry.position(family, key).ok_or(ConfigError::UnknownCheck)?;
        self.confs.write().expect("checks lock")[i].enabled = enabled;
        self.changed()
    }

    /// `toggle_all_checks.lua`: every check of `subdir` (all subdirs when `None`).
    pub fn set_all_enabled(&self, subdir: Option<&str>, enabled: bool) -> Result<(), ConfigError> {
        let family = match subdir {
            None | Some("all") => None,
            Some(s) => Some(Family::from_subdir(s).ok_or(ConfigError::UnknownCheck)?),
        };
        {
            let mut confs = self.confs.write().expect("checks lock");
            for (c, def) in confs.iter_mut().zip(self.registry.all()) {
                if family.is_none_or(|f| f == def.family) {
                    c.enabled = enabled;
                }
            }
        }
        self.changed()
    }

    /// `edit_check_config.lua`: `{<hook>: {enabled: bool, script_conf: {...}}}`.
    pub fn set_config(&self, subdir: &str, key: &str, config: &Value) -> Result<(), ConfigError> {
        let family = Family::from_subdir(subdir).ok_or(ConfigError::UnknownCheck)?;
        let i = self.registry.position(family, key).ok_or(ConfigError::UnknownCheck)?;
        let conf = parse_hooks(config).map_err(ConfigError::BadConfig)?;
        self.confs.write().expect("checks lock")[i] = conf;
        self.changed()
    }

    /// The stored form: `{config: {<subdir>: {<key>: {<hook>: {enabled, script_conf}}}}}`.
    pub fn configset_json(&self) -> Value {
        let confs = self.confs.read().expect("checks lock");
        let mut config: Map<String, Value> = Map::new();
        for (c, def) in confs.iter().zip(self.registry.all()) {
            let sub = config.entry(def.family.subdir()).or_insert_with(|| json!({}));
            sub[def.key] = json!({ def.family.hook(): { "enabled": c.enabled, "script_conf": c.script_conf } });
        }
        json!({ "config": config })
    }

    /// Keeps the configuration in `store` from now on, after applying what it holds; a store with
    /// none gets every check's entry (scripts edit that document).
    pub fn use_store(&self, store: Arc<dyn KvStore>) -> Result<(), ConfigError> {
        let present = store.get(CONFIGSET_KEY).map_err(|e| ConfigError::Store(e.to_string()))?.is_some();
        *self.store.write().expect("checks lock") = Some(store);
        if present {
            self.reload();
            Ok(())
        } else {
            self.changed()
        }
    }

    /// Applies the stored configuration if it changed since last read (a script edited it).
    pub fn reload_if_changed(&self) {
        let Some(store) = self.store.read().expect("checks lock").clone() else { return };
        let Ok(Some(text)) = store.get(CONFIGSET_KEY) else { return };
        if *self.seen.lock().expect("checks lock") != text {
            self.reload();
        }
    }

    /// Re-reads the stored configuration (a script may have changed it), keeping the current one for
    /// checks the stored one does not mention.
    pub fn reload(&self) {
        self.load();
        self.publish_mask();
    }

    fn changed(&self) -> Result<(), ConfigError> {
        self.publish_mask();
        let store = self.store.read().expect("checks lock").clone();
        if let Some(store) = &store {
            let text = self.configset_json().to_string();
            store.set(CONFIGSET_KEY, &text, None).map_err(|e| ConfigError::Store(e.to_string()))?;
            *self.seen.lock().expect("checks lock") = text;
        }
        Ok(())
    }

    fn publish_mask(&self) {
        let confs = self.confs.read().expect("checks lock");
        let mut mask = 0u64;
        for (c, def) in confs.iter().zip(self.registry.all()) {
            if let (Some(bit), true, true) = (def.risk, c.enabled, def.implemented()) {
                mask |= 1u64 << bit;
            }
        }
        self.risk_mask.store(mask, Ordering::Relaxed);
    }

    /// Applies the stored configset; unknown checks and malformed entries are skipped (with a log line).
    fn load(&self) {
        let Some(store) = self.store.read().expect("checks lock").clone() else { return };
        let text = match store.get(CONFIGSET_KEY) {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(e) => return log::warn!("checks configuration not read: {e}"),
        };
        *self.seen.lock().expect("checks lock") = text.clone();
        let Ok(stored) = serde_json::from_str::<Value>(&text) else {
            return log::warn!("checks configuration in {CONFIGSET_KEY} is not JSON: ignored");
        };
        let mut confs = self.confs.write().expect("checks lock");
        let Some(config) = stored.get("config").and_then(Value::as_object) else { return };
        for (subdir, keys) in config {
            let (Some(family), Some(keys)) = (Family::from_subdir(subdir), keys.as_object()) else { continue };
            for (key, hooks) in keys {
                match (self.registry.position(family, key), parse_hooks(hooks)) {
                    (Some(i), Ok(c)) => confs[i] = c,
                    (None, _) => log::debug!("stored configuration of unknown check {subdir}/{key} ignored"),
                    (_, Err(e)) => log::warn!("stored configuration of {subdir}/{key} ignored: {e}"),
                }
            }
        }
    }
}

/// A check is on when any of its hooks is (ntopng enables/disables them all together).
fn parse_hooks(v: &Value) -> Result<CheckConf, String> {
    let hooks = v.as_object().filter(|h| !h.is_empty()).ok_or("expected {<hook>: {enabled, script_conf}}")?;
    let mut conf = CheckConf { enabled: false, script_conf: Map::new() };
    for (hook, h) in hooks {
        let enabled = h.get("enabled").and_then(Value::as_bool).ok_or_else(|| format!("hook {hook}: enabled must be a boolean"))?;
        conf.enabled |= enabled;
        match h.get("script_conf") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => conf.script_conf.extend(m.clone()),
            Some(Value::Array(a)) if a.is_empty() => {} // an empty Lua table encodes as []
            Some(_) => return Err(format!("hook {hook}: script_conf must be an object")),
        }
    }
    Ok(conf)
}
