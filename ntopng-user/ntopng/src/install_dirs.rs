//! Where the Lua scripts and web documents live: `-t` (install dir), `-1` (httpdocs), `-2` (scripts),
//! resolved once at startup so every later lookup is a plain path.

use crate::cli::Cli;
use std::path::{Path, PathBuf};

/// ntopng's packaged location, used when the binary does not run from a checkout.
const PACKAGED: &str = "/usr/share/ntopng";

/// A file every usable scripts tree has: how a checkout or an install dir is recognised.
const MARKER: &str = "lua/modules/rest_utils.lua";

#[derive(Debug, Clone)]
pub struct InstallDirs {
    pub install: PathBuf,
    pub scripts: PathBuf,
    pub httpdocs: PathBuf,
}

impl InstallDirs {
    pub fn resolve(cli: &Cli) -> Result<InstallDirs, String> {
        let install = match &cli.install_dir {
            Some(d) if d.is_dir() => d.clone(),
            Some(d) => return Err(format!("-t {}: no such directory", d.display())),
            None => default_install_dir()
                .ok_or_else(|| format!("no install dir found (no checkout around the binary, no {PACKAGED}): use -t"))?,
        };
        let scripts = cli.scripts_dir.clone().unwrap_or_else(|| install.join("scripts"));
        if !scripts.join(MARKER).is_file() {
            return Err(format!("{}: not a scripts dir (missing {MARKER}); check -t / -2", scripts.display()));
        }
        let httpdocs = cli.httpdocs_dir.clone().unwrap_or_else(|| install.join("httpdocs"));
        if cli.httpdocs_dir.is_some() && !httpdocs.is_dir() {
            return Err(format!("-1 {}: no such directory", httpdocs.display()));
        }
        Ok(InstallDirs { install, scripts, httpdocs })
    }
}

/// The checkout the running binary was built in (`<repo>/target/<profile>/ntopng`), else the packaged dir.
fn default_install_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    exe.ancestors()
        .skip(1)
        .find(|d| is_install_dir(d))
        .map(Path::to_path_buf)
        .or_else(|| Some(PathBuf::from(PACKAGED)).filter(|p| is_install_dir(p)))
}

fn is_install_dir(d: &Path) -> bool {
    d.join("scripts").join(MARKER).is_file()
}
