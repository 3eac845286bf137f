//! File-system bindings under a path policy: scripts read within the install dir and the data dir, and
//! create or delete only within the data dir. Paths are resolved (relative ones against the install dir,
//! `..` applied, symlinks followed) before the check, and the operation acts on the resolved path, so no
//! spelling or link leads outside. A path outside the policy raises an error naming it.

use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::vm::Paths;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Install dir and data dir.
    Read,
    /// Data dir only.
    Write,
}

/// `path` made absolute (relative to the install dir) with `.` and `..` applied.
fn lexical(paths: &Paths, path: &str) -> PathBuf {
    let p = Path::new(path);
    let full = if p.is_absolute() { p.to_path_buf() } else { paths.installdir.join(p) };
    let mut out = PathBuf::new();
    for c in full.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The real location of `p`: its longest existing ancestor canonicalized (symlinks followed), the missing
/// rest appended. With `follow_last` false a final symlink is kept as it is (unlink removes the link).
fn real_location(p: &Path, follow_last: bool) -> std::io::Result<PathBuf> {
    if !follow_last {
        if let (Some(parent), Some(name)) = (p.parent(), p.file_name()) {
            return Ok(real_location(parent, true)?.join(name));
        }
    }
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    while existing.symlink_metadata().is_err() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = existing.canonicalize()?;
    for name in rest.into_iter().rev() {
        real.push(name);
    }
    Ok(real)
}

/// Resolves `path` for `access`; the resolved path, or the message to raise.
pub(crate) fn resolve(paths: &Paths, path: &str, access: Access, follow_last: bool) -> Result<PathBuf, String> {
    if path.is_empty() || path.contains('\0') {
        return Err("invalid path".into());
    }
    let real = real_location(&lexical(paths, path), follow_last).map_err(|e| format!("{path}: {e}"))?;
    let inside = |root: &Path| real.starts_with(root);
    let ok = match access {
        Access::Read => inside(&paths.install) || paths.working.as_deref().is_some_and(inside),
        Access::Write => paths.working.as_deref().is_some_and(inside),
    };
    if ok {
        Ok(real)
    } else if access == Access::Write {
        Err(format!("{path}: access denied (scripts may only create or delete files inside the data directory)"))
    } else {
        Err(format!("{path}: access denied (outside the directories scripts may read)"))
    }
}

fn arg_path(c: &Ctx, a: &Args, access: Access, follow_last: bool) -> BResult<PathBuf> {
    let path = a.string(1, "path")?;
    resolve(&c.daemon.paths, &path, access, follow_last).map_err(|e| a.fail(e))
}

fn dump(c: &Ctx, a: &Args) -> BResult<()> {
    let p = arg_path(c, a, Access::Read, true)?;
    let data = std::fs::read(&p).map_err(|e| a.fail(format!("cannot read {}: {e}", p.display())))?;
    c.run.lock().unwrap().body.extend_from_slice(&data);
    Ok(())
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    r.add("ntop", "isdir", move |_, a| Ok(arg_path(&c, a, Access::Read, true)?.is_dir()))?;
    let c = ctx.clone();
    r.add("ntop", "exists", move |_, a| Ok(arg_path(&c, a, Access::Read, true)?.exists()))?;
    let c = ctx.clone();
    r.add("ntop", "notEmptyFile", move |_, a| {
        let p = arg_path(&c, a, Access::Read, true)?;
        Ok(std::fs::metadata(p).map(|m| m.is_file() && m.len() > 0).unwrap_or(false))
    })?;
    let c = ctx.clone();
    r.add("ntop", "fileLastChange", move |_, a| {
        let p = arg_path(&c, a, Access::Read, true)?;
        let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
        Ok(mtime.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64).unwrap_or(-1))
    })?;
    let c = ctx.clone();
    r.add("ntop", "readdir", move |lua, a| {
        let p = arg_path(&c, a, Access::Read, true)?;
        // ntopng's shape: `{[name] = name}`, without `.` and `..`; empty for a missing directory.
        let t = lua.create_table()?;
        if let Ok(rd) = std::fs::read_dir(&p) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                t.raw_set(name.as_str(), name.as_str())?;
            }
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "mkdir", move |_, a| {
        let p = arg_path(&c, a, Access::Write, true)?;
        std::fs::create_dir_all(&p).map_err(|e| a.fail(format!("cannot create {}: {e}", p.display())))?;
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("ntop", "rmdir", move |_, a| {
        let p = arg_path(&c, a, Access::Write, false)?;
        if c.daemon.paths.working.as_deref() == Some(p.as_path()) {
            return Err(a.fail("the data directory itself cannot be removed"));
        }
        match std::fs::symlink_metadata(&p) {
            // remove_dir_all does not follow symlinks inside the tree.
            Ok(m) if m.is_dir() => Ok(std::fs::remove_dir_all(&p).is_ok()),
            _ => Ok(false),
        }
    })?;
    let c = ctx.clone();
    r.add("ntop", "unlink", move |_, a| {
        let p = arg_path(&c, a, Access::Write, false)?;
        match std::fs::symlink_metadata(&p) {
            Ok(m) if !m.is_dir() => Ok(std::fs::remove_file(&p).is_ok()),
            _ => Ok(false),
        }
    })?;
    let c = ctx.clone();
    r.add("ntop", "dumpFile", move |_, a| dump(&c, a))?;
    let c = ctx.clone();
    r.add("ntop", "dumpBinaryFile", move |_, a| dump(&c, a))?;
    Ok(())
}
