//! Replacing DIR whole: stage the new bundle in a sibling folder, then swap the two folders in one
//! step, so DIR always holds exactly the old bundle or exactly the new one.
//!
//! Steps, all under the lock of `lock.rs`:
//! 1. Leftovers of killed runs beside DIR are removed (staging folders, matched by their exact
//!    name pattern; a previous bundle set aside by the fallback below is put back if DIR is gone).
//! 2. DIR's entries are sorted into ours and the user's (see `mod.rs`); any of the user's refuses
//!    the run before anything changes.
//! 3. A staging folder `.<name>.restore-deploy-staging-<12 random>` is created exclusively beside
//!    DIR (a planted folder or symlink of that name makes creation fail, never reuse), every file is
//!    created with `create_new` (`O_EXCL`, so a symlink is never followed) and written, then the
//!    whole staged bundle is flushed in one step as a batch flushes (`batch.rs`, step 4): on Linux
//!    one `syncfs` writes every staged file's data and the staging folder's entries to disk and
//!    reports a writeback error; elsewhere each file was fsynced as written and the folder is
//!    fsynced now. No rename is issued before that flush returned, so a power loss can expose
//!    only whole files (the crash argument of `batch.rs`, for a batch of one); a failed flush
//!    changes nothing in DIR.
//! 4. On Linux, `renameat2(RENAME_EXCHANGE)` swaps staging and DIR atomically; if DIR does not
//!    exist, a plain rename puts staging in place. Where exchange is not available (other systems,
//!    or a filesystem that refuses it), DIR is first renamed aside to
//!    `.<name>.restore-deploy-previous-<random>` and staging renamed to DIR: a run killed between
//!    the two leaves DIR missing for a moment, and the next run puts the previous bundle back.
//! 5. The parent is fsynced and the old bundle, now under the staging (or set-aside) name, is
//!    removed. If that fails, the run reports `FileSystem` saying the new bundle is complete in DIR
//!    and where the old files were left.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::os::{exchange, exchange_unsupported, flush_staged, rename_new, sync_dir, write_staged};
use super::{Plan, Step};
use crate::error::{Code, Error, Result};

const STAGING: &str = ".restore-deploy-staging-";
const PREVIOUS: &str = ".restore-deploy-previous-";
const RANDOM_LEN: usize = 12;

/// Where DIR really is: its parent (where staging, lock and leftovers live) and its name there.
pub struct Target {
    pub parent: PathBuf,
    pub name: OsString,
}

impl Target {
    pub fn path(&self) -> PathBuf {
        self.parent.join(&self.name)
    }
    pub fn lock_path(&self) -> PathBuf {
        self.parent.join(self.sibling(".restore-deploy.lock"))
    }
    fn sibling(&self, suffix: &str) -> OsString {
        let mut s = OsString::from(".");
        s.push(&self.name);
        s.push(suffix);
        s
    }
}

/// Resolve `--out`. An existing DIR is resolved through symlinks: the operator named that folder
/// (a link to it is a common way to point at a bundle), and swapping the link itself would leave
/// the real folder stale.
pub fn target(dir: &Path) -> Result<Target> {
    let at = |what: &str, p: &Path, e: io::Error| fs_err(what, p, e, dir);
    let (parent, name) = match fs::symlink_metadata(dir) {
        Ok(_) => {
            let real = fs::canonicalize(dir).map_err(|e| at("resolve", dir, e))?;
            if !fs::metadata(&real)
                .map_err(|e| at("read", &real, e))?
                .is_dir()
            {
                return Err(not_a_folder(dir));
            }
            match (real.parent(), real.file_name()) {
                (Some(p), Some(n)) => (p.to_owned(), n.to_owned()),
                _ => return Err(no_parent(dir)),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let name = dir.file_name().ok_or_else(|| no_parent(dir))?;
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            fs::create_dir_all(parent).map_err(|e| at("create", parent, e))?;
            let parent = fs::canonicalize(parent).map_err(|e| at("resolve", parent, e))?;
            (parent, name.to_owned())
        }
        Err(e) => return Err(at("read", dir, e)),
    };
    Ok(Target { parent, name })
}

/// Steps 1 to 5 of the module comment; the caller holds the lock.
pub fn replace(
    plan: &Plan,
    t: &Target,
    dir: &Path,
    hook: &mut dyn FnMut(Step) -> io::Result<()>,
) -> Result<()> {
    replace_with(plan, t, dir, hook, exchange)
}

/// `replace`, with the exchange passed in, so tests reach the fallback on any system.
fn replace_with(
    plan: &Plan,
    t: &Target,
    dir: &Path,
    hook: &mut dyn FnMut(Step) -> io::Result<()>,
    exchange: fn(&Path, &Path) -> io::Result<()>,
) -> Result<()> {
    let at = |what: &str, p: &Path, e: io::Error| fs_err(what, p, e, dir);
    let path = t.path();
    clean_leftovers(t);
    let old = match fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => Some(m),
        // Resolved by `target` for one `--out`; a batch's `R/<name>` is never resolved, and a
        // link planted there since is refused, never written through.
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::new(
                Code::UnsafeOutputFolder,
                format!("`{}` is a symbolic link, not a folder restore-deploy wrote", dir.display()),
            )
            .source(dir.display().to_string())
            .doing("writing the bundle")
            .help(format!("this bundle was not written: remove the link `{}` and run again; nothing it points to was changed", dir.display())))
        }
        Ok(_) => return Err(not_a_folder(dir)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(at("read", &path, e)),
    };
    if let Some(m) = &old {
        refuse_mount_point(m, t, dir)?;
        super::refuse_foreign(plan, &path, dir)?;
    }
    let staging = tempfile::Builder::new()
        .prefix(&t.sibling(STAGING))
        .rand_bytes(RANDOM_LEN)
        .tempdir_in(&t.parent)
        .map_err(|e| match why_not_writable(&e) {
            Some(why) => parent_not_writable(t, dir, why, e),
            None => at("create a staging folder in", &t.parent, e),
        })?;
    if let Some(m) = &old {
        // A new DIR keeps the old one's mode, as writing files into it did before.
        fs::set_permissions(staging.path(), m.permissions())
            .map_err(|e| at("set permissions on", staging.path(), e))?;
    }
    for (i, f) in plan.files.iter().enumerate() {
        let p = staging.path().join(f.name);
        write_staged(&p, f.text.as_bytes())
            .and_then(|()| hook(Step::Staged(i)))
            .map_err(|e| at("write", &p, e))?;
    }
    flush_staged(staging.path(), &[staging.path()]).map_err(|e| at("flush", staging.path(), e))?;

    let set_aside = match old {
        None => {
            rename_new(staging.path(), &path).map_err(|e| at("move into place", &path, e))?;
            let _ = staging.keep();
            None
        }
        Some(_) => {
            match exchange(staging.path(), &path) {
                Ok(()) => Some(staging.keep()),
                Err(e) if exchange_unsupported(&e) => {
                    let aside = t.parent.join(previous_name(staging.path()));
                    fs::rename(&path, &aside).map_err(|e| at("move aside", &path, e))?;
                    if let Err(e) = fs::rename(staging.path(), &path) {
                        return Err(match fs::rename(&aside, &path) {
                        Ok(()) => at("move into place", &path, e),
                        Err(_) => Error::new(
                            Code::FileSystem,
                            format!("`{}` is missing: its previous bundle is in `{}`", dir.display(), aside.display()),
                        )
                        .doing("replacing the bundle")
                        .cause(e.to_string())
                        .help("run again: the next run puts the previous bundle back before writing"),
                    });
                    }
                    let _ = staging.keep();
                    Some(aside)
                }
                Err(e) if crosses_mount(&e) => return Err(mount_point(dir, e.to_string())),
                Err(e) => return Err(at("swap in", &path, e)),
            }
        }
    };
    sync_dir(&t.parent).map_err(|e| {
        partial(
            dir,
            "may not be on disk yet: flushing its parent folder failed",
            None,
            e,
        )
    })?;
    if let Some(old) = set_aside {
        hook(Step::Swapped)
            .and_then(|()| fs::remove_dir_all(&old))
            .map_err(|e| {
                partial(
                    dir,
                    "is in place, but the previous files could not all be removed",
                    Some(&old),
                    e,
                )
            })?;
    }
    Ok(())
}

/// Staging and set-aside folders of killed runs. Only exact matches of our pattern (our prefix for
/// this DIR, then exactly the random part) are touched, so another folder's leftovers or a
/// user's folder with a similar name are safe. `remove_dir_all` does not follow symlinks.
fn clean_leftovers(t: &Target) {
    let Ok(entries) = fs::read_dir(&t.parent) else {
        return;
    };
    let dir_missing =
        matches!(fs::symlink_metadata(t.path()), Err(e) if e.kind() == io::ErrorKind::NotFound);
    let mut previous = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        if ours(&name, &t.sibling(STAGING)) {
            let _ = remove_any(&e.path());
        } else if ours(&name, &t.sibling(PREVIOUS)) {
            previous.push(e.path());
        }
    }
    // DIR missing beside one set-aside bundle: a run of the fallback died between its two renames.
    if dir_missing && previous.len() == 1 {
        if let Some(p) = previous.pop() {
            let _ = fs::rename(&p, t.path());
        }
    }
    for p in previous {
        let _ = remove_any(&p);
    }
}

fn ours(name: &OsStr, prefix: &OsStr) -> bool {
    let (Some(name), Some(prefix)) = (name.to_str(), prefix.to_str()) else {
        return false;
    };
    name.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

fn remove_any(p: &Path) -> io::Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p),
        Ok(_) => fs::remove_file(p),
        Err(e) => Err(e),
    }
}

/// The set-aside name shares the staging folder's random part, unique beside DIR.
fn previous_name(staging: &Path) -> OsString {
    let s = staging.file_name().unwrap_or_default().to_string_lossy();
    OsString::from(s.replacen(STAGING, PREVIOUS, 1))
}

fn fs_err(what: &str, p: &Path, e: io::Error, dir: &Path) -> Error {
    Error::new(Code::FileSystem, format!("cannot {what} `{}`", p.display()))
        .source(dir.display().to_string())
        .doing("writing the bundle")
        .cause(e.to_string())
        .help(format!(
            "check that the folder that holds `{}` is writable and the disk is not full; nothing was changed in `{}`",
            dir.display(),
            dir.display()
        ))
}

/// DIR is a mount point (a container volume, a share, a CI artifact mount): it cannot be swapped
/// for a folder staged beside it (`EBUSY`, `EXDEV`), so say so before anything is written.
#[cfg(unix)]
fn refuse_mount_point(m: &fs::Metadata, t: &Target, dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let parent = fs::metadata(&t.parent).map_err(|e| fs_err("read", &t.parent, e, dir))?;
    if parent.dev() != m.dev() {
        return Err(mount_point(
            dir,
            format!(
                "`{}` is on another filesystem than `{}` (a mount point)",
                t.path().display(),
                t.parent.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_mount_point(_m: &fs::Metadata, _t: &Target, _dir: &Path) -> Result<()> {
    Ok(())
}

/// The system refused to swap two folders across filesystems or at a mount point.
fn crosses_mount(e: &io::Error) -> bool {
    #[cfg(unix)]
    if let Some(n) = e.raw_os_error() {
        use rustix::io::Errno;
        let n = Errno::from_raw_os_error(n);
        return n == Errno::XDEV || n == Errno::BUSY;
    }
    let _ = e;
    false
}

fn mount_point(dir: &Path, cause: String) -> Error {
    Error::new(
        Code::FileSystem,
        format!(
            "cannot replace `{}`: it is a mount point",
            dir.display()
        ),
    )
    .source(dir.display().to_string())
    .doing("writing the bundle")
    .cause(cause)
    .cause("restore-deploy replaces the bundle folder whole by swapping in a folder staged beside it, and a mount point cannot be swapped (EBUSY, EXDEV)")
    .help(format!(
        "write the bundle into a folder inside the mount instead, such as `--out {}`: it is replaced whole there; nothing was changed",
        dir.join("bundle").display()
    ))
}

/// Why the folder that holds DIR refuses a new entry, when it is about permissions.
pub(super) fn why_not_writable(e: &io::Error) -> Option<&'static str> {
    #[cfg(unix)]
    if let Some(n) = e.raw_os_error() {
        use rustix::io::Errno;
        let n = Errno::from_raw_os_error(n);
        if n == Errno::ROFS {
            return Some("it is on a read-only filesystem (EROFS)");
        }
        if n == Errno::ACCESS {
            return Some("this user may not create entries in it (EACCES)");
        }
        if n == Errno::PERM {
            return Some("the system refuses new entries in it (EPERM: immutable, or a policy)");
        }
    }
    match e.kind() {
        io::ErrorKind::PermissionDenied => Some("this user may not create entries in it"),
        io::ErrorKind::ReadOnlyFilesystem => Some("it is on a read-only filesystem"),
        _ => None,
    }
}

fn parent_not_writable(t: &Target, dir: &Path, why: &str, e: io::Error) -> Error {
    Error::new(
        Code::FileSystem,
        format!(
            "cannot write the bundle into `{}`: the folder that holds it, `{}`, is not writable",
            dir.display(),
            t.parent.display()
        ),
    )
    .source(dir.display().to_string())
    .doing("creating the staging folder beside the bundle folder")
    .cause(format!("{why}: {e}"))
    .cause("restore-deploy stages the new bundle beside the bundle folder and swaps the two, so the folder that holds it must be writable, even when the bundle folder itself is")
    .help(format!(
        "make `{}` writable, or choose an `--out` inside a writable folder (such as `--out {}` when `{}` itself is writable) and copy the bundle from there; nothing was changed",
        t.parent.display(),
        dir.join("bundle").display(),
        dir.display()
    ))
}

fn not_a_folder(dir: &Path) -> Error {
    Error::new(
        Code::FileSystem,
        format!("`{}` exists and is not a folder", dir.display()),
    )
    .doing("writing the bundle")
    .cause("File exists: `--out` names the folder that holds the bundle")
    .help("choose a folder for `--out` (it is created if missing); nothing was changed")
}

/// The new bundle is staged beside DIR and swapped in, so DIR needs a parent folder.
fn no_parent(dir: &Path) -> Error {
    Error::new(
        Code::FileSystem,
        format!("cannot write the bundle into `{}`", dir.display()),
    )
    .doing("writing the bundle")
    .cause("restore-deploy replaces the bundle folder whole, from a folder staged beside it, and this path has no folder beside it")
    .help("name a folder of its own for `--out`, such as `out`; nothing was changed")
}

/// The swap happened, so DIR holds the whole new bundle; say so, and what is left to tidy.
fn partial(dir: &Path, what: &str, old: Option<&Path>, e: io::Error) -> Error {
    let mut err = Error::new(
        Code::FileSystem,
        format!("the new bundle in `{}` {what}", dir.display()),
    )
    .source(dir.display().to_string())
    .doing("replacing the bundle")
    .cause(e.to_string());
    err = match old {
        Some(old) => err.help(format!(
            "every file in `{}` is the new bundle and can be used; remove `{}` by hand, or run again: the next run removes it",
            dir.display(),
            old.display()
        )),
        None => err.help(format!(
            "`{}` holds the whole new bundle; run again to be sure it is on disk",
            dir.display()
        )),
    };
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlannedFile;

    fn plan(text: &str) -> Plan {
        Plan {
            files: vec![PlannedFile {
                name: "a.json",
                text: text.to_owned(),
            }],
            known_names: &["a.json"],
        }
    }

    fn no_exchange(_: &Path, _: &Path) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    #[test]
    fn without_exchange_the_fallback_replaces_dir_and_a_killed_one_is_undone() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("out");
        let t = target(&dir).expect("target");
        replace_with(&plan("old"), &t, &dir, &mut |_| Ok(()), no_exchange).expect("first");
        replace_with(&plan("new"), &t, &dir, &mut |_| Ok(()), no_exchange).expect("second");
        assert_eq!(fs::read_to_string(dir.join("a.json")).expect("read"), "new");
        assert_eq!(fs::read_dir(root.path()).expect("ls").count(), 1);

        // A fallback run killed between its two renames: DIR gone, the old bundle set aside.
        let aside = root
            .path()
            .join(".out.restore-deploy-previous-abcdefABCDEF");
        fs::rename(&dir, &aside).expect("set aside");
        let planted = root.path().join(".out.restore-deploy-staging-abcdefABCDEF");
        fs::create_dir(&planted).expect("stale staging");
        clean_leftovers(&t);
        assert_eq!(fs::read_to_string(dir.join("a.json")).expect("read"), "new");
        assert!(!aside.exists() && !planted.exists());
    }

    #[test]
    fn leftovers_match_only_our_exact_pattern() {
        let prefix = OsString::from(".out.restore-deploy-staging-");
        assert!(ours(
            OsStr::new(".out.restore-deploy-staging-abcdefABCDEF"),
            &prefix
        ));
        assert!(!ours(
            OsStr::new(".out.restore-deploy-staging-abcdefABCDE"),
            &prefix
        ));
        assert!(!ours(
            OsStr::new(".out.restore-deploy-staging-abcdefABCDE-"),
            &prefix
        ));
        assert!(!ours(
            OsStr::new(".out.restore-deploy-staging-.restore-deploy-staging-abcdefABCDEF"),
            &prefix
        ));
        assert!(!ours(
            OsStr::new(".other.restore-deploy-staging-abcdefABCDEF"),
            &prefix
        ));
    }
}
