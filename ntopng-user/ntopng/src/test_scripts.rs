//! ntopng's test mode hooks (`--test-script-pre`, `--test-script`, `--test-script-post`): shell commands
//! run at fixed points of a capture file's life, so REST checks can look at the state at each point.

use std::process::Command;

/// Runs `cmd` through `sh -c` (ntopng uses `system()`) and waits for it. A failing hook is logged, never
/// fatal: the test harness judges its output.
pub fn run_hook(which: &str, cmd: &str) {
    log::info!("running {which}: {cmd}");
    match Command::new("/bin/sh").arg("-c").arg(cmd).status() {
        Ok(s) if s.success() => log::info!("{which} done"),
        Ok(s) => log::warn!("{which} exited with {s}"),
        Err(e) => log::error!("{which}: cannot run /bin/sh: {e}"),
    }
}
