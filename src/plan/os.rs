//! The few system calls a whole-folder replace rests on, each with its fallback where the system
//! lacks it: create a file without following links, flush a folder, swap two folders, rename
//! without replacing.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// A staged file (one `--out` or a batch), created with `create_new`: `O_CREAT | O_EXCL` fails on
/// an existing name, symlinks included, so a planted link is never written through. On Linux it
/// is not flushed here: [`flush_staged`] flushes every staged file at once with `syncfs`.
/// Elsewhere it is flushed as it is written.
pub fn write_staged(p: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(p)?;
    f.write_all(bytes)?;
    if cfg!(any(target_os = "linux", target_os = "android")) {
        Ok(())
    } else {
        f.sync_all()
    }
}

/// Every file staged under `staging` (by [`write_staged`]) and its folders' entries on disk,
/// before any rename may expose them. Linux: one `syncfs` on the filesystem that holds
/// `staging`, which writes back every dirty page and inode there and, since Linux 5.8, reports a
/// writeback error as `fsync` does. Elsewhere the files were fsynced as written; each folder in
/// `folders` (the staged bundles' own folders, then `staging` itself) is fsynced now.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn flush_staged(staging: &Path, _folders: &[&Path]) -> io::Result<()> {
    let f = fs::File::open(staging)?;
    Ok(rustix::fs::syncfs(&f)?)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn flush_staged(_staging: &Path, folders: &[&Path]) -> io::Result<()> {
    for f in folders {
        sync_dir(f)?;
    }
    Ok(())
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
