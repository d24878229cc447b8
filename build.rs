//! Names the commit the binary was built from, for `--version`: `git rev-parse` in the source
//! tree, or `RESTORE_DEPLOY_COMMIT` when a packager sets it. A crate tarball or a copy without
//! `.git` (or a machine without git) builds the same, with the commit given as unknown.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=RESTORE_DEPLOY_COMMIT");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let from_env = std::env::var("RESTORE_DEPLOY_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    let commit = from_env.or_else(|| {
        // Rebuild when HEAD moves: HEAD itself, the branch it names, and packed refs.
        for p in ["HEAD", "packed-refs"] {
            if let Some(path) = git(Path::new(&dir), &["rev-parse", "--git-path", p]) {
                println!(
                    "cargo:rerun-if-changed={}",
                    Path::new(&dir).join(path).display()
                );
            }
        }
        if let Some(branch) = git(Path::new(&dir), &["symbolic-ref", "-q", "HEAD"]) {
            if let Some(path) = git(Path::new(&dir), &["rev-parse", "--git-path", &branch]) {
                println!(
                    "cargo:rerun-if-changed={}",
                    Path::new(&dir).join(path).display()
                );
            }
        }
        commit(Path::new(&dir))
    });
    println!(
        "cargo:rustc-env=RESTORE_DEPLOY_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}

/// The short hash and date of HEAD in `dir`, or `None` outside a git checkout.
pub fn commit(dir: &Path) -> Option<String> {
    // `dir` must be the work tree's top: a crate unpacked inside some other repository must not
    // report that repository's commit.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
    if !same(Path::new(&top), dir) {
        return None;
    }
    git(dir, &["log", "-1", "--format=%h %cs"])
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}
