//! The bundle as a list of (file name, text) before anything touches the disk; then either
//! written into DIR as a whole, printed, or compared with what is on disk (`--check`).
//!
//! DIR belongs to restore-deploy: a run replaces the whole folder (`swap.rs`), under a lock
//! (`lock.rs`), so DIR always holds exactly the old bundle or exactly the new one, whatever kills
//! the run. A file restore-deploy writes is a regular file with one of [`Plan::known_names`] (any
//! format's, so switching `--format` on one folder removes the other format's files). Anything else in DIR is
//! the user's (their README, a `.git`, a symlink, a folder where a bundle file should be) and
//! replacing the folder would delete it; rather than move or copy the user's files, whose meaning
//! restore-deploy cannot know, a write refuses before changing anything and names them, and
//! `--check` reports them.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Code, Error, Result};

mod batch;
mod check;
mod lock;
mod os;
mod swap;

pub use batch::{write_all, write_all_with, Batch, BatchStep, Staged};
pub use check::check;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub name: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The first file is the main one: it is what goes to standard output without `--out`.
    pub files: Vec<PlannedFile>,
    /// Every name any format can write (`format::every_name`), so `--check` notices a file that
    /// should no longer be there (e.g. a `prepare.ps1` from an earlier case), and a folder switched
    /// from one format to another drops the other format's files.
    pub known_names: &'static [&'static str],
}

/// Earlier versions staged inside DIR as `.restore-deploy.staging.<pid>`; a killed run left one.
const LEGACY_STAGING: &str = ".restore-deploy.staging.";

/// Points where tests inject a failure into [`write_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The file at this index of the plan is staged.
    Staged(usize),
    /// The new bundle is in DIR and on disk; the old one is about to be removed.
    Swapped,
}

/// Replace DIR with the plan's files, whole (see the module comment); the paths written, as
/// `dir` spells them.
pub fn write(plan: &Plan, dir: &Path) -> Result<Vec<PathBuf>> {
    write_with(plan, dir, &mut |_| Ok(()))
}

/// `write`, with a hook called at each [`Step`] (tests inject failures through it).
pub fn write_with(
    plan: &Plan,
    dir: &Path,
    hook: &mut dyn FnMut(Step) -> io::Result<()>,
) -> Result<Vec<PathBuf>> {
    let target = swap::target(dir)?;
    let _lock = lock::acquire(&target.lock_path(), &dir.display().to_string())?;
    swap::replace(plan, &target, dir, hook)?;
    Ok(plan.files.iter().map(|f| dir.join(f.name)).collect())
}

/// `write` into a target already known (a batch's `R/<name>`, never resolved through a link).
fn write_to(plan: &Plan, target: &swap::Target, dir: &Path) -> Result<Vec<PathBuf>> {
    let _lock = lock::acquire(&target.lock_path(), &dir.display().to_string())?;
    swap::replace(plan, target, dir, &mut |_| Ok(()))?;
    Ok(plan.files.iter().map(|f| dir.join(f.name)).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Folder,
    Link,
    Other,
}

impl Kind {
    fn of(t: fs::FileType) -> Kind {
        if t.is_symlink() {
            Kind::Link
        } else if t.is_file() {
            Kind::File
        } else if t.is_dir() {
            Kind::Folder
        } else {
            Kind::Other
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Kind::File => "a file",
            Kind::Folder => "a folder",
            Kind::Link => "a symbolic link",
            Kind::Other => "not a regular file",
        }
    }
}

/// DIR's entries, sorted by name, typed without following symlinks.
fn entries(dir: &Path) -> io::Result<Vec<(OsString, Kind)>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        out.push((e.file_name(), Kind::of(e.file_type()?)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn is_ours(plan: &Plan, name: &std::ffi::OsStr, kind: Kind) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    match kind {
        Kind::File => plan.known_names.contains(&name) || plan.files.iter().any(|f| f.name == name),
        Kind::Folder => name
            .strip_prefix(LEGACY_STAGING)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())),
        Kind::Link | Kind::Other => false,
    }
}

/// Refuse to replace a DIR that holds anything of the user's; `path` is DIR resolved.
fn refuse_foreign(plan: &Plan, path: &Path, dir: &Path) -> Result<()> {
    const SHOWN: usize = 10;
    let all = entries(path).map_err(|e| {
        Error::new(Code::FileSystem, format!("cannot list `{}`", dir.display()))
            .doing("writing the bundle")
            .cause(e.to_string())
            .help("check that the folder is readable; nothing was changed")
    })?;
    let foreign: Vec<String> = all
        .iter()
        .filter(|(n, k)| !is_ours(plan, n, *k))
        .map(|(n, k)| match k {
            Kind::File => format!("`{}`", n.to_string_lossy()),
            k => format!("`{}` ({})", n.to_string_lossy(), k.noun()),
        })
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let mut listed = foreign[..foreign.len().min(SHOWN)].join(", ");
    if foreign.len() > SHOWN {
        listed.push_str(&format!(" and {} more", foreign.len() - SHOWN));
    }
    Err(Error::new(
        Code::FileSystem,
        format!(
            "`{}` holds entries restore-deploy did not write: {listed}",
            dir.display()
        ),
    )
    .source(dir.display().to_string())
    .doing("writing the bundle")
    .cause("restore-deploy replaces the whole folder, so writing would delete them")
    .help(format!(
        "move them out of `{}`, or choose a new folder for `--out`; nothing was changed",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Plan {
        Plan {
            files: vec![
                PlannedFile {
                    name: "a.json",
                    text: format!("{{\"v\":\"{text}\"}}\n"),
                },
                PlannedFile {
                    name: "b.json",
                    text: format!("[\"{text}\"]\n"),
                },
            ],
            known_names: &["a.json", "b.json", "c.ps1", "restore-vm.ps1"],
        }
    }

    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .expect("dir")
            .map(|e| {
                let p = e.expect("entry").path();
                let name = p.file_name().expect("name").to_string_lossy().into_owned();
                (name, fs::read_to_string(&p).expect("text"))
            })
            .collect();
        v.sort();
        v
    }

    fn siblings(parent: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(parent)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failure_while_staging_changes_nothing() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("out");
        for i in 0..2 {
            let e = write_with(&plan("new"), &out, &mut |s| {
                if s == Step::Staged(i) {
                    Err(io::Error::other("disk full (injected)"))
                } else {
                    Ok(())
                }
            })
            .expect_err("injected failure");
            assert_eq!(e.code, Code::FileSystem);
            assert!(
                e.help
                    .as_deref()
                    .is_some_and(|h| h.contains("nothing was changed")),
                "{e}"
            );
        }
        assert!(
            siblings(root.path()).is_empty(),
            "{:?}",
            siblings(root.path())
        );

        write(&plan("old"), &out).expect("writes");
        let old = listing(&out);
        write_with(&plan("new"), &out, &mut |s| {
            if s == Step::Staged(1) {
                Err(io::Error::other("disk full (injected)"))
            } else {
                Ok(())
            }
        })
        .expect_err("injected failure");
        assert_eq!(listing(&out), old);
        assert_eq!(siblings(root.path()), ["out"]);
    }

    #[test]
    fn a_failure_after_the_swap_is_reported_as_partial_with_the_new_bundle_whole() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("out");
        write(&plan("old"), &out).expect("writes");
        let e = write_with(&plan("new"), &out, &mut |s| {
            if s == Step::Swapped {
                Err(io::Error::other("interrupted (injected)"))
            } else {
                Ok(())
            }
        })
        .expect_err("injected failure");
        assert_eq!(e.code, Code::FileSystem);
        assert!(
            e.message.contains("is in place, but the previous files"),
            "{e}"
        );
        assert!(
            e.help
                .as_deref()
                .is_some_and(|h| h.contains("is the new bundle and can be used")),
            "{e}"
        );
        assert_eq!(listing(&out), listing_of(&plan("new")));
        let left = siblings(root.path());
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(
            e.help.as_deref().is_some_and(|h| h.contains(&left[0])),
            "the help does not name the leftover {left:?}: {e}"
        );
        write(&plan("new"), &out).expect("rewrites");
        assert_eq!(siblings(root.path()), ["out"], "the next run cleans up");
    }

    fn listing_of(p: &Plan) -> Vec<(String, String)> {
        p.files
            .iter()
            .map(|f| (f.name.to_owned(), f.text.clone()))
            .collect()
    }

    #[test]
    fn a_rewrite_replaces_the_folder_and_leaves_nothing_beside_it() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("out");
        write(&plan("old"), &out).expect("writes");
        fs::write(out.join("c.ps1"), "other format\n").expect("extra");
        fs::create_dir(out.join(".restore-deploy.staging.4242")).expect("legacy staging");
        write(&plan("new"), &out).expect("rewrites");
        assert_eq!(listing(&out), listing_of(&plan("new")));
        assert_eq!(siblings(root.path()), ["out"]);
    }

    #[test]
    fn only_regular_files_with_our_names_and_old_staging_folders_are_ours() {
        let p = plan("x");
        let ours = |n: &str, k| is_ours(&p, std::ffi::OsStr::new(n), k);
        assert!(ours("a.json", Kind::File));
        assert!(ours("c.ps1", Kind::File));
        assert!(ours("restore-vm.ps1", Kind::File), "another format's file");
        assert!(ours(".restore-deploy.staging.123", Kind::Folder));
        assert!(!ours(".restore-deploy.staging.", Kind::Folder));
        assert!(!ours(".restore-deploy.staging.12x", Kind::Folder));
        assert!(!ours("a.json", Kind::Link));
        assert!(!ours("a.json", Kind::Folder));
        assert!(!ours("a.json", Kind::Other));
        assert!(!ours("README.md", Kind::File));
        assert!(!ours("A.JSON", Kind::File));
    }

    #[test]
    fn check_reports_stale_missing_and_extra_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&plan("x"), dir.path()).expect("writes");
        assert_eq!(check(&plan("x"), dir.path()).expect("reads"), None);
        fs::write(dir.path().join("a.json"), "{\"x\":1}\n").expect("edit");
        fs::write(dir.path().join("c.ps1"), "old\n").expect("extra");
        let diff = check(&plan("x"), dir.path())
            .expect("reads")
            .expect("stale");
        assert!(
            diff.contains("a.json (on disk)")
                && diff.contains("-old")
                && diff.contains("c.ps1 (on disk)"),
            "{diff}"
        );
    }
}
