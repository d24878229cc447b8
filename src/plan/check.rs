//! `--check`: compare the plan with DIR without writing, reading nothing outside DIR.
//!
//! Reported, each making the check fail (exit 1):
//! - a planned file that is missing or differs: a unified diff; when the file on disk is not
//!   UTF-8, one line saying so (a stale file in an unexpected encoding is still just stale);
//! - a file of ours that should not be there (another format's, an older case's): a diff that
//!   removes it;
//! - anything else (a user's file, a folder, a leftover staging folder): one line naming it, never
//!   its content, which is not ours to print;
//! - a symlink or other non-regular entry, even under a planned name: one line, never followed.
//!   A link in a committed bundle could otherwise print any file the CI runner can read.
//!
//! A run writing DIR at the same time swaps the whole folder; reading file by file across that
//! swap would compare the old template with the new parameters. So DIR's identity is taken before
//! and after the reads, and the comparison is done again if a swap happened in between.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use super::{entries, is_ours, Kind, Plan};
use crate::error::{shown, Code, Error, Result};

/// Compare the plan with DIR: `None` when it is up to date, else the report.
pub fn check(plan: &Plan, dir: &Path) -> Result<Option<String>> {
    const ATTEMPTS: usize = 5;
    for _ in 0..ATTEMPTS {
        let before = identity(dir);
        let report = check_once(plan, dir);
        if identity(dir) == before {
            return report;
        }
    }
    Err(Error::new(
        Code::FileSystem,
        format!(
            "`{}` was replaced while it was being compared",
            dir.display()
        ),
    )
    .doing("comparing the bundle with the files on disk")
    .cause(format!("another run replaced it {ATTEMPTS} times in a row"))
    .help("run `--check` again when no other run is writing that folder"))
}

/// Which folder DIR names right now: every write swaps in a new one.
/// The change time is part of it: a removed folder's inode number can be reused at once by the
/// next run's staging folder.
#[cfg(unix)]
fn identity(dir: &Path) -> Option<(u64, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(dir)
        .ok()
        .map(|m| (m.dev(), m.ino(), m.ctime(), m.ctime_nsec()))
}

#[cfg(not(unix))]
fn identity(dir: &Path) -> Option<std::time::SystemTime> {
    // No inode here; a swapped-in folder was created later than the one it replaced.
    fs::metadata(dir).ok().and_then(|m| m.created().ok())
}

fn check_once(plan: &Plan, dir: &Path) -> Result<Option<String>> {
    let fs_err = |p: &Path, e: io::Error| {
        Error::new(Code::FileSystem, format!("cannot read `{}`", p.display()))
            .source(p.display().to_string())
            .doing("comparing the bundle with the files on disk")
            .cause(e.to_string())
    };
    let on_disk = match fs::metadata(dir) {
        Ok(m) if m.is_dir() => entries(dir).map_err(|e| fs_err(dir, e))?,
        Ok(_) => {
            return Err(fs_err(
                dir,
                io::Error::other("`--out` exists and is not a folder"),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(fs_err(dir, e)),
    };
    let kind_of = |name: &str| {
        on_disk
            .iter()
            .find(|(n, _)| n.as_os_str() == OsStr::new(name))
            .map(|(_, k)| *k)
    };
    if let Some(verdict) = other_format(plan, dir, &on_disk) {
        return Ok(Some(verdict));
    }
    let mut report = String::new();
    for f in &plan.files {
        let path = dir.join(f.name);
        let shown_path = shown(&path.display().to_string());
        match kind_of(f.name) {
            None => report.push_str(&diff(&shown_path, "", &f.text)),
            Some(Kind::File) => {
                let bytes = read_regular(&path).map_err(|e| fs_err(&path, e))?;
                if bytes == f.text.as_bytes() {
                    continue;
                }
                match std::str::from_utf8(&bytes) {
                    Ok(s) => report.push_str(&diff(&shown_path, s, &f.text)),
                    Err(_) => report.push_str(&format!(
                        "{shown_path} (on disk) is not UTF-8 text ({} bytes): it differs from the generated file\n",
                        bytes.len()
                    )),
                }
            }
            Some(k) => report.push_str(&format!(
                "{shown_path} (on disk) is {}, not the generated file; it was not read\n",
                k.noun()
            )),
        }
    }
    for (name, kind) in &on_disk {
        if plan.files.iter().any(|f| OsStr::new(f.name) == name) {
            continue;
        }
        let path = dir.join(name);
        let shown_path = shown(&path.display().to_string());
        let removal = if *kind == Kind::File && is_ours(plan, name, *kind) {
            let bytes = read_regular(&path).map_err(|e| fs_err(&path, e))?;
            String::from_utf8(bytes)
                .ok()
                .map(|s| diff(&shown_path, &s, ""))
        } else {
            None
        };
        report.push_str(&removal.unwrap_or_else(|| {
            format!(
                "{shown_path} (on disk) is {}: not part of the generated bundle; it was not read\n",
                kind.noun()
            )
        }));
    }
    Ok((!report.is_empty()).then_some(report))
}

/// DIR holds another format's bundle and nothing else: none of the planned files, only files
/// of ours that this plan does not write. One line says so (newcomer row 28), instead of a
/// diff deleting every file and another creating every planned one.
fn other_format(plan: &Plan, dir: &Path, on_disk: &[(std::ffi::OsString, Kind)]) -> Option<String> {
    let names: Vec<&str> = on_disk
        .iter()
        .map(|(n, k)| n.to_str().filter(|_| *k == Kind::File))
        .collect::<Option<_>>()?;
    let planned = |n: &str| plan.files.iter().any(|f| f.name == n);
    if names.is_empty()
        || names
            .iter()
            .any(|n| planned(n) || !plan.known_names.contains(n))
    {
        return None;
    }
    let mut names = names;
    names.sort_unstable();
    let format =
        crate::format::format_of(&names).map_or_else(String::new, |f| format!(" (`--format {f}`)"));
    let wanted: Vec<&str> = plan.files.iter().map(|f| f.name).collect();
    Some(format!(
        "{} holds another format's bundle{format}: {}, and none of this run's {}; nothing was compared: check it with that `--format`, or run without `--check` to replace it\n",
        shown(&dir.display().to_string()),
        names.join(", "),
        wanted.join(", ")
    ))
}

fn diff(shown_path: &str, on_disk: &str, generated: &str) -> String {
    similar::TextDiff::from_lines(on_disk, generated)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown_path} (on disk)"),
            &format!("{shown_path} (generated)"),
        )
        .to_string()
}

/// Read a file that was a regular file when listed. `O_NOFOLLOW` and `O_NONBLOCK` keep a swap in
/// between (to a symlink, or a FIFO that would block forever) from being followed or waited on;
/// the type is checked again on the open file.
fn read_regular(p: &Path) -> io::Result<Vec<u8>> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC).bits() as i32);
    }
    let mut f: File = o.open(p)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::other(
            "changed into a non-regular file while being read",
        ));
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}
