//! The bundle as a list of (file name, text) before anything touches the disk; then either
//! written atomically, printed, or compared with what is on disk (`--check`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Code, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub name: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The first file is the main one: it is what goes to standard output without `--out`.
    pub files: Vec<PlannedFile>,
    /// Every name this format can write, so `--check` notices a file that should no longer be
    /// there (e.g. a `prepare.ps1` from an earlier case).
    pub known_names: &'static [&'static str],
}

/// Write every file or none: each goes into a staging folder inside DIR, and only when all are
/// written are they renamed into place (a rename within one folder is atomic).
pub fn write(plan: &Plan, dir: &Path) -> Result<Vec<PathBuf>> {
    write_with(plan, dir, &mut |_, _| Ok(()))
}

/// `write`, with a hook called after each staged file (tests inject failures through it).
pub fn write_with(
    plan: &Plan,
    dir: &Path,
    after_each: &mut dyn FnMut(usize, &Path) -> std::io::Result<()>,
) -> Result<Vec<PathBuf>> {
    let fs_err = |what: &str, p: &Path, e: std::io::Error| {
        Error::new(Code::FileSystem, format!("cannot {what} `{}`", p.display()))
            .source(p.display().to_string())
            .doing("writing the bundle")
            .cause(e.to_string())
            .help("check that the folder is writable and the disk is not full; nothing was written")
    };
    fs::create_dir_all(dir).map_err(|e| fs_err("create", dir, e))?;
    let staging = dir.join(format!(".restore-deploy.staging.{}", std::process::id()));
    fs::create_dir_all(&staging).map_err(|e| fs_err("create", &staging, e))?;
    let staged = (|| {
        for (i, f) in plan.files.iter().enumerate() {
            let p = staging.join(f.name);
            fs::write(&p, &f.text).map_err(|e| fs_err("write", &p, e))?;
            after_each(i, &p).map_err(|e| fs_err("write", &p, e))?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let mut written = Vec::new();
    for f in &plan.files {
        let to = dir.join(f.name);
        if let Err(e) = fs::rename(staging.join(f.name), &to) {
            let _ = fs::remove_dir_all(&staging);
            return Err(fs_err("move into place", &to, e));
        }
        written.push(to);
    }
    let _ = fs::remove_dir_all(&staging);
    Ok(written)
}

/// Compare the plan with DIR: a unified diff per stale, missing or extra file.
pub fn check(plan: &Plan, dir: &Path) -> Result<Option<String>> {
    let mut diff = String::new();
    for name in plan.known_names {
        let path = dir.join(name);
        let on_disk = match fs::read_to_string(&path) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Error::new(
                    Code::FileSystem,
                    format!("cannot read `{}`", path.display()),
                )
                .source(path.display().to_string())
                .doing("comparing the bundle with the files on disk")
                .cause(e.to_string()))
            }
        };
        let wanted = plan
            .files
            .iter()
            .find(|f| f.name == *name)
            .map(|f| f.text.as_str());
        if on_disk.as_deref() == wanted {
            continue;
        }
        let shown = path.display().to_string();
        let d =
            similar::TextDiff::from_lines(on_disk.as_deref().unwrap_or(""), wanted.unwrap_or(""));
        diff.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(
                    &format!("{shown} (on disk)"),
                    &format!("{shown} (generated)"),
                )
                .to_string(),
        );
    }
    Ok((!diff.is_empty()).then_some(diff))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            files: vec![
                PlannedFile {
                    name: "a.json",
                    text: "{}\n".into(),
                },
                PlannedFile {
                    name: "b.json",
                    text: "[]\n".into(),
                },
            ],
            known_names: &["a.json", "b.json", "c.ps1"],
        }
    }

    #[test]
    fn a_failure_after_the_first_file_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let e = write_with(&plan(), &out, &mut |i, _| {
            if i == 0 {
                Err(std::io::Error::other("disk full (injected)"))
            } else {
                Ok(())
            }
        })
        .expect_err("injected failure");
        assert_eq!(e.code, Code::FileSystem);
        let left: Vec<_> = fs::read_dir(&out).expect("dir").collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn check_reports_stale_missing_and_extra_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&plan(), dir.path()).expect("writes");
        assert_eq!(check(&plan(), dir.path()).expect("reads"), None);
        fs::write(dir.path().join("a.json"), "{\"x\":1}\n").expect("edit");
        fs::write(dir.path().join("c.ps1"), "old\n").expect("extra");
        let diff = check(&plan(), dir.path()).expect("reads").expect("stale");
        assert!(
            diff.contains("a.json (on disk)") && diff.contains("c.ps1 (on disk)"),
            "{diff}"
        );
    }
}
