//! A batch's bundles (`--jobs`): every bundle whole or absent, like one `--out`, with the cost of
//! durability paid once per batch instead of once per file, and memory bounded by the jobs in
//! flight: each bundle is staged on disk as soon as it is rendered ([`Batch::stage`]), and only
//! the renames wait for the last job ([`Batch::finish`]).
//!
//! All bundles go into one root R, as `R/<name>`. R itself is resolved (the operator named it);
//! nothing under R is: nobody named `R/<name>`. Steps:
//! 1. ([`Batch::open`], before the first job is read) R is created if missing and the batch lock
//!    `R/.restore-deploy-batch.lock` is taken (the lock of `lock.rs`) and held until step 6: two
//!    batches on one R run one after the other, so a batch may remove what a killed one left
//!    without ever touching a live run's folder.
//! 2. R is listed once. Staging folders of killed batches (`.restore-deploy-batch-<12 random>`,
//!    exact pattern) are removed. Each bundle takes a route from what the listing shows:
//!    - *new*: no entry of that name, and no leftover of a single run (`.<name>.restore-deploy-*`):
//!      staged, then moved into place with a rename that never replaces;
//!    - *exchange* (Linux): a plain folder of that name and no leftover: its entries are checked for
//!      the user's files as a single run checks them (refused before anything changes), staged,
//!      then swapped in with `RENAME_EXCHANGE`;
//!    - *refused*: a symbolic link (or a FIFO, device, socket) of that name: `UnsafeOutputFolder`
//!      for that bundle, never resolved or followed (it may point at another VM's bundle or
//!      outside R, or two jobs' names at one folder);
//!    - *single*: anything else (a file, a single run's leftovers, a system without exchange):
//!      written after the sweep by the single-bundle protocol of `swap.rs`, under its own lock, at
//!      `R/<name>` itself (not resolved: a link planted there since is refused), which cleans and
//!      refuses exactly as one `--out` does. Only these bundles stay in memory until then.
//! 3. One staging folder `R/.restore-deploy-batch-<12 random>` is created exclusively (at step 1);
//!    each bundle is written into `<staging>/<index>/` with `create_new` files (`O_EXCL`: a planted
//!    symlink is never followed) by the job's own thread as soon as it is rendered, and its text
//!    dropped. No file is flushed on its own. A bundle staged but then refused (two jobs claim
//!    one folder) is never renamed; it goes with the staging folder.
//! 4. ([`Batch::finish`], every job known) **One flush for the whole batch**: `syncfs` on the
//!    staging folder (Linux) writes every staged file's data and every staged directory entry to
//!    disk in one call and reports any writeback error. Elsewhere each file is fsynced as it is
//!    written, then each staged folder.
//! 5. Each bundle is renamed into place (or exchanged with the old one); the first failure of a
//!    rename (someone created the folder since the listing, the filesystem refuses exchange) sends
//!    that bundle, read back from its staged copy, to the *single* route instead, so a contended
//!    folder gets exactly the single-run behaviour.
//! 6. R is fsynced once: every rename of the batch is on disk. Then the staging folder, which now
//!    holds the replaced old bundles and any bundle that failed, is removed in one go, and the
//!    lock released.
//!
//! Why each bundle is whole or absent:
//! - `kill -9` before step 5 (while jobs are still rendering and staging included): R's bundles
//!   are untouched; the staging folder is a leftover that the
//!   next batch removes (step 2). During step 5: each rename or exchange is one system call the
//!   kernel completes or does not start, so each `R/<name>` is the old bundle, absent, or the new
//!   one; the bundles not yet renamed are untouched. After: only the staging folder is left.
//! - Power loss: no rename is issued before step 4 returned, so every file a rename can expose is
//!   already on disk with all its bytes (the zero-length-file-after-rename failure of delayed
//!   allocation cannot happen). A rename is one journal transaction on the journaling filesystems
//!   the swap relies on (as in `swap.rs`): after the crash each `R/<name>` names the old folder or
//!   the new one, never a mix; renames not yet journalled leave the old state. Success is
//!   reported only after step 6 made R's entries durable.
//! - Concurrent single runs into `R/<name>`: they swap with one system call too, and the batch
//!   never removes their staging folders (a different name pattern). A folder created by one of
//!   them after the listing makes the batch's no-replace rename fail, and that bundle goes through
//!   the single run's own lock.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::os::{exchange, flush_staged, rename_new, sync_dir, write_staged};
use super::{lock, Kind, Plan};
use crate::error::{Code, Error, Result};

const STAGING: &str = ".restore-deploy-batch-";
const LOCK: &str = ".restore-deploy-batch.lock";
const RANDOM_LEN: usize = 12;
/// What a single run beside a bundle named `<name>` leaves: `.<name>` + one of these.
const SINGLE_RUN: &str = ".restore-deploy";

/// Points where tests inject a failure into [`write_all_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStep {
    /// The file at this index of the bundle at that index is staged.
    Staged(usize, usize),
    /// Every staged bundle is flushed; nothing is renamed yet.
    Flushed,
    /// The bundle at this index was renamed into place.
    Swapped(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    New,
    Exchange,
    Single,
}

/// Write each `(name, plan)` into `root/<name>`, whole; one result per bundle, in order: the paths
/// written, as `root` spells them.
pub fn write_all(root: &Path, bundles: &[(String, Plan)]) -> Vec<Result<Vec<PathBuf>>> {
    write_all_with(root, bundles, &mut |_| Ok(()), exchange)
}

/// `write_all`, with a hook called at each [`BatchStep`] and the exchange passed in (tests reach
/// the fallback on any system).
pub fn write_all_with(
    root: &Path,
    bundles: &[(String, Plan)],
    hook: &mut dyn FnMut(BatchStep) -> io::Result<()>,
    exchange: fn(&Path, &Path) -> io::Result<()>,
) -> Vec<Result<Vec<PathBuf>>> {
    let batch = match Batch::open_with(root, exchange) {
        Ok(b) => b,
        Err(e) => return bundles.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut staged = Vec::new();
    let mut out: Vec<Option<Result<Vec<PathBuf>>>> = bundles.iter().map(|_| None).collect();
    for (i, (name, plan)) in bundles.iter().enumerate() {
        match batch.stage_with(i, name, plan.clone(), hook) {
            Ok(s) => staged.push(s),
            Err(e) => out[i] = Some(Err(e)),
        }
    }
    for (i, r) in batch.finish_with(staged, hook) {
        out[i] = Some(r);
    }
    out.into_iter()
        .map(|o| {
            o.unwrap_or_else(|| Err(Error::internal("a bundle of the batch was never written")))
        })
        .collect()
}

/// A batch being written: steps 1 to 3 done (R created and locked, listed, the staging folder
/// created), so each bundle can be staged as soon as it is rendered and its memory freed; steps
/// 4 to 6 run in [`Batch::finish`], once every job is known.
pub struct Batch {
    root: PathBuf,
    /// R resolved: the folder the operator named, through any link to it. Nothing under R is
    /// ever resolved.
    real: PathBuf,
    lock: lock::Lock,
    listing: Listing,
    staging: tempfile::TempDir,
    exchange: fn(&Path, &Path) -> io::Result<()>,
}

/// One bundle handed to the batch: on disk in the staging folder (its text no longer in
/// memory), or kept for the single-run protocol.
pub struct Staged {
    index: usize,
    name: String,
    how: How,
}

enum How {
    /// In `<staging>/<index>`, files of these names.
    OnDisk {
        route: Route,
        dir: PathBuf,
        files: Vec<&'static str>,
        known: &'static [&'static str],
    },
    /// Written after the sweep by the single-run protocol (R/<name> was neither missing nor a
    /// plain folder that can be exchanged: a single run's leftovers, a file, no exchange here).
    Single(Plan),
}

impl Staged {
    pub fn index(&self) -> usize {
        self.index
    }
}

impl Batch {
    /// Steps 1 to 3: R created, locked and listed, killed batches' staging removed, this batch's
    /// staging folder created. The lock is held until [`Batch::finish`].
    pub fn open(root: &Path) -> Result<Batch> {
        Batch::open_with(root, exchange)
    }

    pub fn open_with(root: &Path, exchange: fn(&Path, &Path) -> io::Result<()>) -> Result<Batch> {
        let at = |what: &str, p: &Path, e: io::Error| fs_err(what, p, e, root);
        fs::create_dir_all(root).map_err(|e| at("create", root, e))?;
        let lock = lock::acquire(&root.join(LOCK), &root.display().to_string())?;
        let real = fs::canonicalize(root).map_err(|e| at("resolve", root, e))?;
        let listing = list(&real).map_err(|e| at("list", root, e))?;
        let staging = tempfile::Builder::new()
            .prefix(STAGING)
            .rand_bytes(RANDOM_LEN)
            .tempdir_in(&real)
            .map_err(|e| at("create a staging folder in", root, e))?;
        Ok(Batch {
            root: root.to_owned(),
            real,
            lock,
            listing,
            staging,
            exchange,
        })
    }

    /// Bundle `index` (the job's place in the batch) for `R/<name>`: staged on disk now (step
    /// 3), or kept for the single-run protocol. A symbolic link or any other entry that is not a
    /// plain folder or file at `R/<name>` is refused, never resolved: nobody named it.
    pub fn stage(&self, index: usize, name: &str, plan: Plan) -> Result<Staged> {
        self.stage_with(index, name, plan, &mut |_| Ok(()))
    }

    fn stage_with(
        &self,
        index: usize,
        name: &str,
        plan: Plan,
        hook: &mut dyn FnMut(BatchStep) -> io::Result<()>,
    ) -> Result<Staged> {
        let dir = self.root.join(name);
        let leftover = self.listing.leftovers_of(name);
        let exchange_here = cfg!(any(target_os = "linux", target_os = "android"));
        let route = match self.listing.kinds.get(name) {
            Some(k @ (Kind::Link | Kind::Other)) => return Err(unsafe_folder(&dir, *k)),
            None if !leftover => Route::New,
            Some(Kind::Folder) if !leftover && exchange_here => Route::Exchange,
            _ => Route::Single,
        };
        let how = if route == Route::Single {
            How::Single(plan)
        } else {
            let s = self.staging.path().join(index.to_string());
            stage(&plan, &s, &self.real.join(name), &dir, route, index, hook)?;
            How::OnDisk {
                route,
                dir: s,
                files: plan.files.iter().map(|f| f.name).collect(),
                known: plan.known_names,
            }
        };
        Ok(Staged {
            index,
            name: name.to_owned(),
            how,
        })
    }

    /// Steps 4 to 6 for the bundles to put in place (a staged bundle left out, such as one of
    /// two jobs claiming one folder, is removed with the staging folder, never renamed), then the
    /// single-run ones; one result per bundle, by its index: the paths written, as R is spelled.
    pub fn finish(self, bundles: Vec<Staged>) -> Vec<(usize, Result<Vec<PathBuf>>)> {
        self.finish_with(bundles, &mut |_| Ok(()))
    }

    fn finish_with(
        self,
        bundles: Vec<Staged>,
        hook: &mut dyn FnMut(BatchStep) -> io::Result<()>,
    ) -> Vec<(usize, Result<Vec<PathBuf>>)> {
        let Batch {
            root,
            real,
            lock,
            staging,
            exchange,
            ..
        } = self;
        let mut out: Vec<(usize, Result<()>)> = Vec::new();
        let mut names: HashMap<usize, (String, Vec<&'static str>)> = HashMap::new();
        let mut single: Vec<(usize, Plan)> = Vec::new();
        let mut on_disk = Vec::new();
        for b in bundles {
            match b.how {
                How::Single(plan) => {
                    names.insert(
                        b.index,
                        (b.name, plan.files.iter().map(|f| f.name).collect()),
                    );
                    single.push((b.index, plan));
                }
                How::OnDisk {
                    route,
                    dir,
                    files,
                    known,
                } => {
                    names.insert(b.index, (b.name.clone(), files.clone()));
                    on_disk.push((b.index, b.name, route, dir, files, known));
                }
            }
        }
        let at = |what: &str, p: &Path, e: io::Error| fs_err(what, p, e, &root);
        let flushed = if on_disk.is_empty() {
            Ok(())
        } else {
            let folders: Vec<&Path> = on_disk.iter().map(|b| b.3.as_path()).collect();
            flush(staging.path(), &folders)
                .and_then(|()| hook(BatchStep::Flushed))
                .map_err(|e| at("flush the staged bundles in", staging.path(), e))
        };
        if let Err(e) = flushed {
            // Nothing of the batch was renamed: every bundle fails with it.
            drop(staging);
            drop(lock);
            let mut all: Vec<usize> = on_disk.iter().map(|b| b.0).collect();
            all.extend(single.iter().map(|s| s.0));
            all.sort_unstable();
            return all.into_iter().map(|i| (i, Err(e.clone()))).collect();
        }
        let mut swapped: Vec<(usize, Route)> = Vec::new();
        for (i, name, route, s, files, known) in on_disk {
            let dir = real.join(&name);
            let moved = match route {
                Route::New => rename_new(&s, &dir),
                _ => exchange(&s, &dir),
            };
            match moved {
                // Whatever the reason (the folder appeared or vanished since the listing, the
                // filesystem refuses exchange), the single-run protocol decides this one, from
                // the staged copy read back.
                Err(_) => match read_back(&s, &files, known) {
                    Ok(plan) => single.push((i, plan)),
                    Err(e) => out.push((i, Err(at("read back", &s, e)))),
                },
                Ok(()) => match hook(BatchStep::Swapped(i)) {
                    Ok(()) => swapped.push((i, route)),
                    Err(e) => out.push((
                        i,
                        Err(partial(
                            &root.join(&name),
                            "is in place, but the run stopped",
                            e,
                        )),
                    )),
                },
            }
        }
        let flushed = sync_dir(&real);
        let removed = fs::remove_dir_all(staging.path());
        let staging = staging.keep();
        for (i, route) in swapped {
            let dir = root.join(&names[&i].0);
            out.push((
                i,
                match (&flushed, &removed) {
                    (Err(e), _) => Err(partial(
                        &dir,
                        "may not be on disk yet: flushing its parent folder failed",
                        io::Error::new(e.kind(), e.to_string()),
                    )),
                    (Ok(()), Err(e)) if route == Route::Exchange => Err(partial(
                        &dir,
                        &format!(
                            "is in place, but the previous files in `{}` could not all be removed (the next run removes them)",
                            staging.display()
                        ),
                        io::Error::new(e.kind(), e.to_string()),
                    )),
                    _ => Ok(()),
                },
            ));
        }
        // Outside the batch lock: a single run's lock per bundle is enough, and a batch waiting
        // on one of them must not hold every other batch.
        drop(lock);
        single.sort_by_key(|s| s.0);
        for (i, plan) in single {
            let name = &names[&i].0;
            let target = super::swap::Target {
                parent: real.clone(),
                name: name.into(),
            };
            let r = super::write_to(&plan, &target, &root.join(name));
            out.push((i, r.map(|_| ())));
        }
        out.sort_by_key(|o| o.0);
        out.into_iter()
            .map(|(i, r)| {
                let (name, files) = &names[&i];
                let dir = root.join(name);
                (i, r.map(|()| files.iter().map(|f| dir.join(f)).collect()))
            })
            .collect()
    }
}

/// A staged bundle read back from disk, for the single-run protocol.
fn read_back(s: &Path, files: &[&'static str], known: &'static [&'static str]) -> io::Result<Plan> {
    let files = files
        .iter()
        .map(|n| {
            Ok(super::PlannedFile {
                name: n,
                text: fs::read_to_string(s.join(n))?,
            })
        })
        .collect::<io::Result<Vec<_>>>()?;
    Ok(Plan {
        files,
        known_names: known,
    })
}

/// `R/<name>` is a symbolic link or another entry that is not a folder: never resolved or
/// written through (it may point at another VM's bundle, or at a folder outside R).
fn unsafe_folder(dir: &Path, kind: Kind) -> Error {
    Error::new(
        Code::UnsafeOutputFolder,
        format!(
            "`{}` is {}, not a folder restore-deploy wrote",
            dir.display(),
            kind.noun()
        ),
    )
    .source(dir.display().to_string())
    .doing("choosing the restore's folder under `--out`")
    .cause("a `--jobs` run writes only plain folders under `--out`, and never follows a link there")
    .help(format!(
        "this bundle was not written: remove `{}` (or point `--out` at another folder) and run again; nothing it points to was changed",
        dir.display()
    ))
}

fn stage(
    plan: &Plan,
    s: &Path,
    real: &Path,
    dir: &Path,
    route: Route,
    i: usize,
    hook: &mut dyn FnMut(BatchStep) -> io::Result<()>,
) -> Result<()> {
    let at = |what: &str, p: &Path, e: io::Error| fs_err(what, p, e, dir);
    let old = if route == Route::Exchange {
        let m = fs::symlink_metadata(real).map_err(|e| at("read", dir, e))?;
        if !m.is_dir() {
            return Err(unsafe_folder(dir, Kind::of(m.file_type())));
        }
        super::refuse_foreign(plan, real, dir)?;
        Some(m.permissions())
    } else {
        None
    };
    fs::create_dir(s).map_err(|e| at("create a staging folder", s, e))?;
    if let Some(p) = old {
        // A new DIR keeps the old one's mode, as with one `--out`.
        fs::set_permissions(s, p).map_err(|e| at("set permissions on", s, e))?;
    }
    for (k, f) in plan.files.iter().enumerate() {
        let p = s.join(f.name);
        write_staged(&p, f.text.as_bytes())
            .and_then(|()| hook(BatchStep::Staged(i, k)))
            .map_err(|e| at("write", &p, e))?;
    }
    Ok(())
}

/// Step 4: every staged file and folder on disk (`syncfs` on Linux; elsewhere the files were
/// fsynced as written, and each staged folder, then the staging folder, is fsynced now).
fn flush(staging: &Path, staged: &[&Path]) -> io::Result<()> {
    let folders: Vec<&Path> = staged
        .iter()
        .copied()
        .chain(std::iter::once(staging))
        .collect();
    flush_staged(staging, &folders)
}

struct Listing {
    kinds: HashMap<String, Kind>,
    /// Names `<name>` with a single run's leftover (`.<name>.restore-deploy…`) beside them.
    single_leftovers: std::collections::HashSet<String>,
}

impl Listing {
    fn leftovers_of(&self, name: &str) -> bool {
        self.single_leftovers.contains(name)
    }
}

/// R's entries, typed from the listing itself (no `stat` per entry); killed batches' staging
/// folders removed on the way.
fn list(root: &Path) -> io::Result<Listing> {
    let mut kinds = HashMap::new();
    let mut single_leftovers = std::collections::HashSet::new();
    for e in fs::read_dir(root)? {
        let e = e?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(rest) = name.strip_prefix(STAGING) {
            if rest.len() == RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
                // Under the batch lock, so no live batch owns it; `remove_dir_all` does not
                // follow symlinks, and a planted symlink of that name is removed as a link.
                let _ = match e.file_type() {
                    Ok(t) if t.is_dir() => fs::remove_dir_all(e.path()),
                    _ => fs::remove_file(e.path()),
                };
                continue;
            }
        }
        if let Some(hidden) = name.strip_prefix('.') {
            if let Some(at) = hidden.find(SINGLE_RUN) {
                single_leftovers.insert(hidden[..at].to_owned());
            }
            continue;
        }
        kinds.insert(name.to_owned(), Kind::of(e.file_type()?));
    }
    Ok(Listing {
        kinds,
        single_leftovers,
    })
}

fn fs_err(what: &str, p: &Path, e: io::Error, dir: &Path) -> Error {
    Error::new(Code::FileSystem, format!("cannot {what} `{}`", p.display()))
        .source(dir.display().to_string())
        .doing("writing the bundles")
        .cause(e.to_string())
        .help(format!(
            "check that `{}` is writable and the disk is not full; nothing was changed in `{}`",
            dir.display(),
            dir.display()
        ))
}

fn partial(dir: &Path, what: &str, e: io::Error) -> Error {
    Error::new(
        Code::FileSystem,
        format!("the new bundle in `{}` {what}", dir.display()),
    )
    .source(dir.display().to_string())
    .doing("replacing the bundle")
    .cause(e.to_string())
    .help(format!(
        "`{}` holds the whole new bundle; run again to be sure it is on disk",
        dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlannedFile;

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
            known_names: &["a.json", "b.json"],
        }
    }

    fn bundles(names: &[&str], text: &str) -> Vec<(String, Plan)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), plan(&format!("{text}-{n}"))))
            .collect()
    }

    /// Every entry of `dir`, hidden ones included.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn holds(dir: &Path, text: &str) -> bool {
        fs::read_to_string(dir.join("a.json")).ok() == Some(format!("{{\"v\":\"{text}\"}}\n"))
            && fs::read_to_string(dir.join("b.json")).ok() == Some(format!("[\"{text}\"]\n"))
            && names(dir) == ["a.json", "b.json"]
    }

    fn ok(results: Vec<Result<Vec<PathBuf>>>) {
        for r in results {
            r.expect("written");
        }
    }

    #[test]
    fn new_and_existing_bundles_are_written_whole_and_nothing_is_left_beside_them() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().join("out");
        ok(write_all(&r, &bundles(&["b"], "old")));
        let written = write_all(&r, &bundles(&["a", "b"], "new"));
        assert_eq!(
            written[0].as_ref().expect("a"),
            &[r.join("a/a.json"), r.join("a/b.json")]
        );
        ok(written);
        assert!(holds(&r.join("a"), "new-a") && holds(&r.join("b"), "new-b"));
        assert_eq!(names(&r), ["a", "b"], "staging, lock or old bundle left");
    }

    #[test]
    fn a_failure_while_staging_fails_that_bundle_alone_and_changes_nothing_of_it() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().to_owned();
        ok(write_all(&r, &bundles(&["a", "b"], "old")));
        let results = write_all_with(
            &r,
            &bundles(&["a", "b", "c"], "new"),
            &mut |s| match s {
                BatchStep::Staged(1, 1) => Err(io::Error::other("disk full (injected)")),
                _ => Ok(()),
            },
            exchange,
        );
        let e = results[1].as_ref().expect_err("injected");
        assert_eq!(e.code, Code::FileSystem);
        assert!(
            e.help
                .as_deref()
                .is_some_and(|h| h.contains("nothing was changed")),
            "{e}"
        );
        assert!(results[0].is_ok() && results[2].is_ok());
        assert!(holds(&r.join("a"), "new-a") && holds(&r.join("c"), "new-c"));
        assert!(
            holds(&r.join("b"), "old-b"),
            "the failed bundle was touched"
        );
        assert_eq!(names(&r), ["a", "b", "c"]);
    }

    #[test]
    fn a_failed_flush_renames_nothing() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().to_owned();
        ok(write_all(&r, &bundles(&["a"], "old")));
        let results = write_all_with(
            &r,
            &bundles(&["a", "b"], "new"),
            &mut |s| match s {
                BatchStep::Flushed => Err(io::Error::other("EIO (injected)")),
                _ => Ok(()),
            },
            exchange,
        );
        for res in &results {
            let e = res.as_ref().expect_err("every bundle fails");
            assert!(e.message.contains("cannot flush the staged bundles"), "{e}");
        }
        assert!(holds(&r.join("a"), "old-a"));
        assert_eq!(names(&r), ["a"], "a staged bundle was renamed or left");
    }

    #[test]
    fn a_failure_after_a_rename_says_the_new_bundle_is_in_place() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().to_owned();
        let results = write_all_with(
            &r,
            &bundles(&["a", "b"], "new"),
            &mut |s| match s {
                BatchStep::Swapped(0) => Err(io::Error::other("interrupted (injected)")),
                _ => Ok(()),
            },
            exchange,
        );
        let e = results[0].as_ref().expect_err("injected");
        assert!(e.message.contains("is in place"), "{e}");
        assert!(results[1].is_ok());
        assert!(holds(&r.join("a"), "new-a") && holds(&r.join("b"), "new-b"));
        assert_eq!(names(&r), ["a", "b"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_killed_batchs_leftovers_are_removed_and_planted_links_never_followed() {
        use std::os::unix::fs::symlink;
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().join("out");
        let victim = root.path().join("victim");
        fs::create_dir(&victim).expect("mkdir");
        fs::write(victim.join("important.conf"), "IMPORTANT\n").expect("write");
        fs::create_dir_all(r.join(".restore-deploy-batch-abcdefABCDEF/0")).expect("leftover");
        symlink(
            victim.join("important.conf"),
            r.join(".restore-deploy-batch-abcdefABCDEF/0/a.json"),
        )
        .expect("symlink");
        symlink(&victim, r.join(".restore-deploy-batch-bbbbbbbbbbbb")).expect("symlink");
        // Not our exact pattern: the user's.
        fs::create_dir(r.join(".restore-deploy-batch-mine")).expect("mkdir");
        // A lock file left by a killed batch is reused and removed.
        fs::write(r.join(LOCK), "").expect("stale lock");
        ok(write_all(&r, &bundles(&["a"], "new")));
        assert!(holds(&r.join("a"), "new-a"));
        assert_eq!(names(&r), [".restore-deploy-batch-mine", "a"]);
        assert_eq!(names(&victim), ["important.conf"]);
        assert_eq!(
            fs::read_to_string(victim.join("important.conf")).expect("victim"),
            "IMPORTANT\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn entries_a_sweep_cannot_swap_safely_go_through_the_single_run_protocol_and_links_are_refused()
    {
        use std::os::unix::fs::symlink;
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().join("out");
        fs::create_dir(&r).expect("mkdir");
        // A link to a bundle elsewhere: refused, never resolved; that folder is untouched.
        let real = root.path().join("real");
        ok(write_all(root.path(), &bundles(&["real"], "old")));
        symlink(&real, r.join("linked")).expect("symlink");
        // A single run's leftover beside `left`: cleaned under that run's lock.
        ok(write_all(&r, &bundles(&["left"], "old")));
        fs::create_dir(r.join(".left.restore-deploy-staging-abcdefABCDEF")).expect("leftover");
        // The user's file in `mine`: refused, kept.
        ok(write_all(&r, &bundles(&["mine"], "old")));
        fs::write(r.join("mine/README.md"), "mine\n").expect("write");
        // A file where a bundle folder should be.
        fs::write(r.join("file"), "x").expect("write");
        let results = write_all(
            &r,
            &bundles(&["linked", "left", "mine", "file", "new"], "new"),
        );
        assert!(results[1].is_ok() && results[4].is_ok());
        let linked = results[0].as_ref().expect_err("a link");
        assert_eq!(linked.code, Code::UnsafeOutputFolder, "{linked}");
        assert!(holds(&real, "old-real") && r.join("linked").is_symlink());
        assert!(holds(&r.join("left"), "new-left") && holds(&r.join("new"), "new-new"));
        let mine = results[2].as_ref().expect_err("the user's file");
        assert!(mine.message.contains("`README.md`"), "{mine}");
        assert_eq!(
            fs::read_to_string(r.join("mine/README.md")).expect("kept"),
            "mine\n"
        );
        let file = results[3].as_ref().expect_err("a file");
        assert!(file.message.contains("is not a folder"), "{file}");
        assert_eq!(names(&r), ["file", "left", "linked", "mine", "new"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_after_staging_is_refused_never_written_through() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().join("out");
        let victim = root.path().join("victim");
        fs::create_dir(&victim).expect("mkdir");
        let batch = Batch::open(&r).expect("open");
        let staged = vec![
            batch.stage(0, "a", plan("new-a")).expect("a"),
            batch.stage(1, "b", plan("new-b")).expect("b"),
        ];
        // Planted between the listing and the rename: the no-replace rename fails, and the
        // single-run protocol refuses the link at `R/a` instead of resolving it.
        std::os::unix::fs::symlink(&victim, r.join("a")).expect("symlink");
        let results = batch.finish(staged);
        let e = results[0].1.as_ref().expect_err("a link");
        assert_eq!(e.code, Code::UnsafeOutputFolder, "{e}");
        assert!(results[1].1.is_ok());
        assert!(holds(&r.join("b"), "new-b"));
        assert_eq!(
            names(&victim),
            Vec::<String>::new(),
            "written through the link"
        );
        assert_eq!(names(&r), ["a", "b"]);
    }

    #[test]
    fn without_exchange_existing_bundles_are_replaced_by_the_fallback() {
        fn no_exchange(_: &Path, _: &Path) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::Unsupported))
        }
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path().to_owned();
        ok(write_all(&r, &bundles(&["a"], "old")));
        ok(write_all_with(
            &r,
            &bundles(&["a", "b"], "new"),
            &mut |_| Ok(()),
            no_exchange,
        ));
        assert!(holds(&r.join("a"), "new-a") && holds(&r.join("b"), "new-b"));
        assert_eq!(names(&r), ["a", "b"]);
    }
}
