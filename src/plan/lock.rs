//! The exclusive lock that keeps two runs on one `--out` from mixing their bundles.
//!
//! The lock is a file beside DIR, `.<name>.restore-deploy.lock`, held with `flock` semantics
//! (`File::try_lock`). It cannot live inside DIR: DIR is swapped for a new folder, and a lock on the
//! old folder would not stop a run that opened the new one. A second run waits up to
//! [`WAIT`] (a run holds the lock for milliseconds, fsync included), then fails with `FileSystem`
//! naming the lock file: a stuck or stopped run must not hang every later run. The wait is 10 s
//! unless `RESTORE_DEPLOY_LOCK_WAIT` says otherwise (a slow shared disk may want longer; the test
//! of a held lock wants shorter rather than idling 10 s).
//!
//! The file is removed when the lock is released, so the parent folder is left as it was (bundles
//! are often committed, and a stray file would show up in `git status`). A waiter may already
//! hold the removed file open; so whoever gets the lock checks that the path still names the file
//! it locked, and starts over if not. A killed run leaves the file behind; the kernel drops the
//! lock with the process, and the next run reuses and removes the file. Where files cannot be
//! compared by identity (not Unix), the file is left in place rather than risk two holders.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Code, Error, Result};

/// How long a second run waits for the first before giving up.
pub(crate) const WAIT: crate::env::Seconds = crate::env::Seconds {
    var: "RESTORE_DEPLOY_LOCK_WAIT",
    default: 10,
    range: 1..=600,
};
const POLL: Duration = Duration::from_millis(20);

/// Held for as long as it lives; released (and its file removed) on drop.
#[derive(Debug)]
pub struct Lock {
    // Declared for the drop order: the path is unlinked in `drop` while `file` still holds the
    // lock, then `file` closes and the lock goes with it.
    file: File,
    path: PathBuf,
}

pub fn acquire(path: &Path, dir_shown: &str) -> Result<Lock> {
    let fs_err = |e: io::Error| {
        Error::new(
            Code::FileSystem,
            format!("cannot lock `{}` for writing", dir_shown),
        )
        .source(path.display().to_string())
        .doing("taking the lock that keeps two runs from writing one folder at once")
        .cause(e.to_string())
        .help("check that the folder that holds `--out` is writable; nothing was changed")
    };
    let wait = WAIT.read()?;
    let deadline = Instant::now() + wait;
    let not_regular = |kind: &str| {
        Error::new(
            Code::NotARegularFile,
            format!("cannot lock `{dir_shown}` for writing: `{}` is {kind}", path.display()),
        )
        .source(path.display().to_string())
        .doing("taking the lock that keeps two runs from writing one folder at once")
        .cause("the lock file must be a regular file; something else was put at its path")
        .help(format!(
            "remove `{}` (restore-deploy creates it as a regular file and removes it when done) and run again; nothing was changed",
            path.display()
        ))
    };
    loop {
        let file = match open(path) {
            Ok(f) => f,
            Err(e) => {
                // A FIFO with no reader refuses a non-blocking open for writing (ENXIO).
                return Err(match std::fs::symlink_metadata(path) {
                    Ok(m) if !m.is_file() && !m.file_type().is_symlink() => {
                        not_regular(crate::source::file_kind(m.file_type()))
                    }
                    _ => match super::swap::why_not_writable(&e) {
                        Some(why) => not_writable(path, dir_shown, why, e),
                        None => fs_err(e),
                    },
                });
            }
        };
        let t = file.metadata().map_err(fs_err)?.file_type();
        if !t.is_file() {
            return Err(not_regular(crate::source::file_kind(t)));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                if Instant::now() >= deadline {
                    return Err(Error::new(
                        Code::FileSystem,
                        format!("another restore-deploy run is writing `{dir_shown}`"),
                    )
                    .source(path.display().to_string())
                    .doing("waiting for the lock that keeps two runs from writing one folder at once")
                    .cause(format!("the lock was still held after {} s", wait.as_secs()))
                    .help("wait for the other run to finish, then run again; if no other run is active, a stuck run holds it: stop that run; nothing was changed")
                    );
                }
                std::thread::sleep(POLL);
                continue;
            }
            Err(TryLockError::Error(e)) => return Err(fs_err(e)),
        }
        if still_named_by(&file, path).map_err(fs_err)? {
            return Ok(Lock {
                file,
                path: path.to_owned(),
            });
        }
    }
}

/// The folder that holds the lock refuses a new file (read-only, no permission): which folder,
/// why, and what to do instead.
fn not_writable(path: &Path, dir_shown: &str, why: &str, e: io::Error) -> Error {
    let parent = path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let help = if parent == dir_shown {
        format!("make `{parent}` writable, or choose another `--out`; nothing was changed")
    } else {
        format!(
            "make `{parent}` writable, or choose an `--out` inside a writable folder (such as `--out {dir_shown}/bundle` when `{dir_shown}` itself is writable) and copy the bundle from there; nothing was changed"
        )
    };
    Error::new(
        Code::FileSystem,
        format!("cannot lock `{dir_shown}` for writing: the folder that holds the lock, `{parent}`, is not writable"),
    )
    .source(path.display().to_string())
    .doing("taking the lock that keeps two runs from writing one folder at once")
    .cause(format!("{why}: {e}"))
    .cause("restore-deploy locks, stages and swaps the bundle folder beside it, so the folder that holds it must be writable, even when the bundle folder itself is")
    .help(help)
}

impl Drop for Lock {
    fn drop(&mut self) {
        if cfg!(unix) {
            // Best effort: a lock file left behind is reused by the next run.
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Never follows a symlink planted at the lock path: opening through one with `create` would
/// create or touch a file elsewhere. Never waits either: `O_NONBLOCK` makes opening a FIFO
/// planted there return at once (the caller then refuses anything that is not a regular file).
fn open(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(
            (rustix::fs::OFlags::NOFOLLOW
                | rustix::fs::OFlags::CLOEXEC
                | rustix::fs::OFlags::NONBLOCK)
                .bits() as i32,
        );
    }
    o.open(path)
}

#[cfg(unix)]
fn still_named_by(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata()?;
    match std::fs::symlink_metadata(path) {
        Ok(now) => Ok(now.dev() == held.dev() && now.ino() == held.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn still_named_by(_file: &File, _path: &Path) -> io::Result<bool> {
    // The file is never removed here (see the module comment), so it is always the same one.
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_until_the_first_releases() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".out.restore-deploy.lock");
        let first = acquire(&path, "out").expect("first");
        let p = path.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let second = std::thread::spawn(move || {
            let l = acquire(&p, "out").expect("second");
            tx.send(()).expect("send");
            drop(l);
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "the second holder got the lock while the first held it"
        );
        drop(first);
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the second holder never got the lock");
        second.join().expect("thread");
        #[cfg(unix)]
        assert!(!path.exists(), "the lock file was left behind");
    }

    #[test]
    fn the_default_wait_is_readmes_10_s_and_the_variable_takes_1_to_600() {
        assert_eq!(WAIT.default, 10);
        assert_eq!(WAIT.accepted(), "1 to 600");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_at_the_lock_path_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".out.restore-deploy.lock");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &path,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
        let started = Instant::now();
        let e = acquire(&path, "out").expect_err("a FIFO taken as the lock");
        assert_eq!(e.code, Code::NotARegularFile, "{e}");
        assert!(e.message.contains("FIFO"), "{e}");
        // With a reader on the FIFO, the open succeeds; the type check still refuses it.
        let reader = {
            use std::os::unix::fs::OpenOptionsExt;
            OpenOptions::new()
                .read(true)
                .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
                .open(&path)
                .expect("reader")
        };
        let e = acquire(&path, "out").expect_err("a FIFO taken as the lock");
        assert_eq!(e.code, Code::NotARegularFile, "{e}");
        drop(reader);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(path.exists(), "the planted entry is the user's: left");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_lock_path_is_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("victim");
        let path = dir.path().join(".out.restore-deploy.lock");
        std::os::unix::fs::symlink(&target, &path).expect("symlink");
        let e = acquire(&path, "out").expect_err("followed the symlink");
        assert_eq!(e.code, Code::FileSystem);
        assert!(!target.exists(), "created the symlink's target");
    }
}
