//! The few system calls a whole-folder replace rests on, each with its fallback where the system
//! lacks it: create a file without following links, flush a folder, swap two folders, rename
//! without replacing.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// `create_new` is `O_CREAT | O_EXCL`: it fails on an existing name, symlinks included, so a
/// planted link is never written through.
pub fn write_new(p: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(p)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A file of a batch's staging folder. On Linux it is not flushed here: the batch flushes every
/// staged file at once with `syncfs` (see `batch.rs`). Elsewhere it is flushed as it is written.
pub fn write_staged(p: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(p)?;
    f.write_all(bytes)?;
    if cfg!(any(target_os = "linux", target_os = "android")) {
        Ok(())
    } else {
        f.sync_all()
    }
}

#[cfg(unix)]
pub fn sync_dir(p: &Path) -> io::Result<()> {
    fs::File::open(p)?.sync_all()
}

#[cfg(not(unix))]
pub fn sync_dir(_p: &Path) -> io::Result<()> {
    // Folders cannot be opened as files here; the renames are as durable as the system makes them.
    Ok(())
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    Ok(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)?)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The kernel or filesystem has no `RENAME_EXCHANGE` (old kernels, some network filesystems).
pub fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(unix)]
    if let Some(n) = e.raw_os_error() {
        use rustix::io::Errno;
        let n = Errno::from_raw_os_error(n);
        return n == Errno::INVAL || n == Errno::NOSYS || n == Errno::OPNOTSUPP;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// A rename that never replaces: DIR was checked missing under the lock, so an entry appearing
/// there now is someone else's and must not be overwritten.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn rename_new(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::NOREPLACE) {
        Err(e) if exchange_unsupported(&e.into()) => fs::rename(a, b),
        r => Ok(r?),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn rename_new(a: &Path, b: &Path) -> io::Result<()> {
    fs::rename(a, b)
}
