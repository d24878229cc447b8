//! `generate --out DIR` replaces a bundle whole, and `--check` sees every entry of DIR: killed
//! runs, concurrent runs, planted staging folders and symlinks, the user's own files, files of the
//! other format and stale files that are not UTF-8. Old and new bundles come from one fixture with
//! two `--vm-name` values, so any mix of the two is visible.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_restore-deploy");
const FIXTURE: &str = "managed-bek-kek-noaad-windows";

/// A fixture's three inputs as files in a fresh folder, where every run below starts.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/valid")
        .join(format!("{FIXTURE}.json"));
    let fx: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).expect("fixture")).expect("JSON");
    for (key, file) in [
        ("config", "config.json"),
        ("job", "job.json"),
        ("encryption_info", "encryption-info.json"),
    ] {
        fs::write(
            dir.path().join(file),
            serde_json::to_string_pretty(&fx[key]).expect("json"),
        )
        .expect("write input");
    }
    dir
}

fn command(at: &Path, format: &str, vm: &str, out: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(at)
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .env_remove("RESTORE_DEPLOY_LOCK_WAIT")
        .args(["generate", "--format", format])
        .args(["--config", "config.json", "--job", "job.json"])
        .args(["--encryption-info", "encryption-info.json"])
        .args(["--vm-name", vm, "--out", out])
        .args(extra);
    c
}

fn run(at: &Path, format: &str, vm: &str, out: &str, extra: &[&str]) -> Output {
    command(at, format, vm, out, extra)
        .output()
        .expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Run that must succeed.
fn ok(at: &Path, format: &str, vm: &str, out: &str) {
    let o = run(at, format, vm, out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// What a folder holds, entry by entry; `None` when it is missing. A non-regular entry is marked,
/// never read, so a planted link cannot make two bundles look equal.
type Bundle = Option<BTreeMap<String, Vec<u8>>>;

fn bundle(dir: &Path) -> Bundle {
    let rd = fs::read_dir(dir).ok()?;
    let mut m = BTreeMap::new();
    for e in rd {
        let e = e.expect("entry");
        let t = e.file_type().expect("type");
        let v = if t.is_file() {
            fs::read(e.path()).expect("read")
        } else {
            format!("<not a regular file: {t:?}>").into_bytes()
        };
        m.insert(e.file_name().to_string_lossy().into_owned(), v);
    }
    Some(m)
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir(to).expect("mkdir");
    for e in fs::read_dir(from).expect("ls") {
        let e = e.expect("entry");
        fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// Entries beside `out` that a run made for it: staging, set-aside and lock files.
fn leftovers(parent: &Path, out: &str) -> Vec<String> {
    let mine = format!(".{out}.");
    let mut v: Vec<String> = fs::read_dir(parent)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&mine))
        .collect();
    v.sort();
    v
}

/// The two reference bundles, written by uninterrupted runs.
fn references(at: &Path) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    ok(at, "arm", "OLD", "ref-old");
    ok(at, "arm", "NEW", "ref-new");
    let old = bundle(&at.join("ref-old")).expect("old");
    let new = bundle(&at.join("ref-new")).expect("new");
    assert_ne!(old, new);
    // The fixture is encrypted: the template, its parameters and prepare.ps1.
    assert_eq!(old.len(), 3);
    (old, new)
}

/// A small xorshift: the kill moments need spread, not quality, and the seed is printed so a
/// failing order can be replayed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn runs_killed_at_random_moments_leave_the_old_or_the_new_bundle_never_a_mix() {
    const ITERATIONS: usize = 200;
    let s = scratch();
    let at = s.path();
    let (old, new) = references(at);
    // Kill moments spread over a whole run, and a little past it.
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            ok(at, "arm", "NEW", "timing");
            t.elapsed()
        })
        .collect();
    runs.sort();
    let full = runs[1];
    let span = (full.as_micros() as u64 * 6 / 5).max(1);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut saw_old, mut saw_new, mut left_behind) = (0, 0, 0);
    for i in 0..ITERATIONS {
        let k = at.join("k");
        if k.exists() {
            fs::remove_dir_all(&k).expect("reset");
        }
        copy(&at.join("ref-old"), &k);
        let mut child = command(at, "arm", "NEW", "k", &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill();
        child.wait().expect("wait");
        match bundle(&k) {
            Some(b) if b == old => saw_old += 1,
            Some(b) if b == new => saw_new += 1,
            other => panic!(
                "iteration {i} (seed {seed}): `k` holds neither the old nor the new bundle: {:?}",
                other.map(|m| m.keys().cloned().collect::<Vec<_>>())
            ),
        }
        left_behind += usize::from(!leftovers(at, "k").is_empty());
    }
    let took = started.elapsed();
    eprintln!(
        "kill loop: {ITERATIONS} runs over {:?} (a full run {full:?}, kills within {span} µs, seed {seed}): old {saw_old}, new {saw_new}, leftovers beside `k` after {left_behind}",
        took
    );
    assert!(
        saw_old > 0 && saw_new > 0,
        "every kill landed on one side of the swap (old {saw_old}, new {saw_new}): the loop tested nothing"
    );
    assert!(took < Duration::from_secs(300), "the loop took {took:?}");
    // The next complete run removes whatever the killed ones left.
    ok(at, "arm", "NEW", "k");
    assert_eq!(bundle(&at.join("k")), Some(new));
    assert_eq!(leftovers(at, "k"), Vec::<String>::new());
}

#[test]
fn concurrent_runs_with_different_inputs_never_mix() {
    const ROUNDS: usize = 40;
    let s = scratch();
    let at = s.path();
    let (old, new) = references(at);
    for i in 0..ROUNDS {
        let spawn = |vm: &str| {
            command(at, "arm", vm, "r", &[])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn("OLD"), spawn("NEW"));
        for c in [a, b] {
            let o = c.wait_with_output().expect("wait");
            assert_eq!(o.status.code(), Some(0), "round {i}: {}", text(&o.stderr));
        }
        let b = bundle(&at.join("r"));
        assert!(
            b.as_ref() == Some(&old) || b.as_ref() == Some(&new),
            "round {i}: a mixed bundle"
        );
        assert_eq!(leftovers(at, "r"), Vec::<String>::new(), "round {i}");
    }
}

#[test]
fn a_run_that_cannot_get_the_lock_fails_clearly_and_changes_nothing() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "out");
    let before = bundle(&at.join("out"));
    let lock = fs::File::create(at.join(".out.restore-deploy.lock")).expect("lock file");
    lock.lock().expect("lock");
    // The wait is shortened through its documented variable (the default is 10 s), so this test
    // does not idle; that the variable is read shows in the message and the time waited.
    let started = Instant::now();
    let o = command(at, "arm", "NEW", "out", &[])
        .env("RESTORE_DEPLOY_LOCK_WAIT", "1")
        .output()
        .expect("binary runs");
    let waited = started.elapsed();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("error[FileSystem]")
            && err.contains("another restore-deploy run is writing `out`")
            && err.contains(".out.restore-deploy.lock")
            && err.contains("the lock was still held after 1 s")
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(9),
        "gave up after {waited:?}"
    );
    assert_eq!(bundle(&at.join("out")), before);
    // A wait that is not whole seconds from 1 to 600 is refused before anything is written.
    let o = command(at, "arm", "NEW", "out", &[])
        .env("RESTORE_DEPLOY_LOCK_WAIT", "0")
        .output()
        .expect("binary runs");
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[Usage]")
            && err.contains("`RESTORE_DEPLOY_LOCK_WAIT` is `0`")
            && err.contains("1 to 600"),
        "{err}"
    );
    assert_eq!(bundle(&at.join("out")), before);
    drop(lock);
    ok(at, "arm", "NEW", "out");
    assert_eq!(leftovers(at, "out"), Vec::<String>::new());
}

#[test]
fn a_folder_where_a_bundle_file_should_be_is_refused_before_anything_changes() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "ren");
    let params = at.join("ren/azuredeploy.parameters.json");
    fs::remove_file(&params).expect("rm");
    fs::create_dir_all(params.join("x")).expect("mkdir");
    let before = bundle(&at.join("ren"));
    let o = run(at, "arm", "NEW", "ren", &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("`azuredeploy.parameters.json` (a folder)")
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(bundle(&at.join("ren")), before, "the template was replaced");
    assert!(params.join("x").is_dir());
}

#[test]
fn the_users_own_files_are_named_and_kept_not_deleted() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "out");
    fs::write(at.join("out/README.md"), "mine\n").expect("write");
    let before = bundle(&at.join("out"));
    let o = run(at, "arm", "NEW", "out", &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("holds entries restore-deploy did not write: `README.md`")
            && err.contains("move them out of `out`"),
        "{err}"
    );
    assert_eq!(bundle(&at.join("out")), before);
}

#[cfg(unix)]
#[test]
fn planted_staging_folders_and_symlinks_are_never_written_through() {
    use std::os::unix::fs::symlink;
    let s = scratch();
    let at = s.path();
    let victim = at.join("victim");
    fs::create_dir(&victim).expect("mkdir");
    fs::write(victim.join("important.conf"), "IMPORTANT\n").expect("write");
    // Earlier versions staged in `DIR/.restore-deploy.staging.<pid>`: plant it for this very pid.
    let planted = format!(
        "mkdir -p shared/.restore-deploy.staging.$$ && ln -s \"$PWD/victim/important.conf\" shared/.restore-deploy.staging.$$/azuredeploy.json && exec {BIN} generate --format arm --config config.json --job job.json --encryption-info encryption-info.json --out shared"
    );
    // And today's pattern beside DIR: a stale staging folder holding a link, and one that is a link.
    fs::create_dir(at.join(".shared.restore-deploy-staging-aaaaaaaaaaaa")).expect("mkdir");
    symlink(
        victim.join("important.conf"),
        at.join(".shared.restore-deploy-staging-aaaaaaaaaaaa/azuredeploy.json"),
    )
    .expect("symlink");
    symlink(
        &victim,
        at.join(".shared.restore-deploy-staging-bbbbbbbbbbbb"),
    )
    .expect("symlink");
    let o = Command::new("sh")
        .args(["-c", &planted])
        .current_dir(at)
        .output()
        .expect("sh");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        fs::read_to_string(victim.join("important.conf")).expect("victim"),
        "IMPORTANT\n"
    );
    let b = bundle(&at.join("shared")).expect("bundle");
    assert_eq!(
        b.keys().collect::<Vec<_>>(),
        [
            "azuredeploy.json",
            "azuredeploy.parameters.json",
            "prepare.ps1"
        ]
    );
    assert!(text(&b["azuredeploy.json"]).contains("\"$schema\""));
    assert_eq!(leftovers(at, "shared"), Vec::<String>::new());
    assert!(victim.join("important.conf").is_file());
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_bundle_is_refused_and_its_target_left_alone() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "out");
    fs::write(at.join("outside.json"), "OUTSIDE\n").expect("write");
    let p = at.join("out/azuredeploy.parameters.json");
    fs::remove_file(&p).expect("rm");
    std::os::unix::fs::symlink(at.join("outside.json"), &p).expect("symlink");
    let o = run(at, "arm", "NEW", "out", &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("`azuredeploy.parameters.json` (a symbolic link)"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(at.join("outside.json")).expect("read"),
        "OUTSIDE\n"
    );
    assert!(fs::symlink_metadata(&p)
        .expect("link")
        .file_type()
        .is_symlink());
}

#[test]
fn switching_format_on_one_folder_leaves_only_the_new_formats_files() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "out");
    ok(at, "powershell", "OLD", "out");
    let b = bundle(&at.join("out")).expect("bundle");
    assert_eq!(b.keys().collect::<Vec<_>>(), ["restore-vm.ps1"]);
    let o = run(at, "powershell", "OLD", "out", &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[cfg(unix)]
#[test]
fn an_out_that_is_a_symlink_updates_the_folder_it_names() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "real");
    std::os::unix::fs::symlink("real", at.join("link")).expect("symlink");
    ok(at, "arm", "NEW", "link");
    assert!(fs::symlink_metadata(at.join("link"))
        .expect("link")
        .file_type()
        .is_symlink());
    assert!(
        text(&fs::read(at.join("real/azuredeploy.parameters.json")).expect("read")).contains("NEW")
    );
}

#[test]
fn an_out_that_is_a_file_is_refused() {
    let s = scratch();
    let at = s.path();
    fs::write(at.join("afile"), "x").expect("write");
    let o = run(at, "arm", "NEW", "afile", &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("`afile` exists and is not a folder"), "{err}");
    assert_eq!(fs::read_to_string(at.join("afile")).expect("read"), "x");
}

#[test]
fn check_during_concurrent_writes_sees_one_whole_bundle() {
    const WRITES: usize = 60;
    let s = scratch();
    let at = s.path().to_owned();
    // The files that differ between the OLD and NEW bundles (the template, its parameters, and
    // prepare.ps1 when its disk re-stamp names the new VM): fewer differing files is a mix.
    let (old, new) = references(&at);
    let differ = old.iter().filter(|(k, v)| new.get(*k) != Some(v)).count();
    assert!(differ >= 2, "{differ}");
    ok(&at, "arm", "OLD", "r");
    let writer = {
        let at = at.clone();
        std::thread::spawn(move || {
            for i in 0..WRITES {
                ok(&at, "arm", if i % 2 == 0 { "NEW" } else { "OLD" }, "r");
            }
        })
    };
    let (mut checks, mut replaced) = (0, 0);
    while !writer.is_finished() {
        let o = run(&at, "arm", "OLD", "r", &["--check"]);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        let differing = out.lines().filter(|l| l.ends_with("(on disk)")).count();
        match o.status.code() {
            Some(0) => assert_eq!(differing, 0, "{out}"),
            Some(1) => assert_eq!(differing, differ, "compared a mixed bundle:\n{out}"),
            Some(3) if err.contains("was replaced while it was being compared") => replaced += 1,
            c => panic!("exit {c:?}: {err}"),
        }
        checks += 1;
    }
    writer.join().expect("writer");
    eprintln!("{checks} checks during {WRITES} writes; {replaced} gave up on a folder replaced every time");
    assert!(checks > 0);
}

/// `--check` on a copy of a fresh ARM bundle changed by `spoil`: exit 1, the report on stdout.
fn check_after(spoil: impl FnOnce(&Path, &Path)) -> String {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "chk");
    spoil(at, &at.join("chk"));
    let before = bundle(&at.join("chk"));
    let o = run(at, "arm", "OLD", "chk", &["--check"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(err.contains("error[StaleOutput]"), "{err}");
    assert_eq!(
        bundle(&at.join("chk")),
        before,
        "--check changed the folder"
    );
    out
}

#[test]
fn check_reports_the_other_formats_files() {
    let out = check_after(|at, chk| {
        ok(at, "powershell", "OLD", "ps");
        fs::copy(at.join("ps/restore-vm.ps1"), chk.join("restore-vm.ps1")).expect("copy");
    });
    assert!(out.contains("chk/restore-vm.ps1 (on disk)"), "{out}");
}

/// Newcomer row 28: a folder that holds only the other format's bundle gets one line naming
/// that format and its files, not a diff deleting each and another creating this format's; a
/// folder with both formats' files still gets the diffs.
#[test]
fn check_of_the_other_formats_bundle_says_so_in_one_line() {
    let s = scratch();
    let at = s.path();
    ok(at, "powershell", "OLD", "ps");
    let o = run(at, "arm", "OLD", "ps", &["--check"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(err.contains("error[StaleOutput]"), "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("holds another format's bundle (`--format powershell`): restore-vm.ps1, and none of this run's azuredeploy.json, azuredeploy.parameters.json"),
        "{out}"
    );
    assert!(!out.contains("(on disk)"), "{out}");
}

#[test]
fn check_names_unknown_entries_without_printing_them() {
    let out = check_after(|_, chk| {
        fs::write(chk.join("notes.txt"), "PRIVATE-NOTES\n").expect("write");
        fs::create_dir(chk.join(".restore-deploy.staging.4242")).expect("mkdir");
    });
    assert!(
        out.contains("chk/notes.txt (on disk) is a file: not part of the generated bundle")
            && out.contains("chk/.restore-deploy.staging.4242 (on disk) is a folder"),
        "{out}"
    );
    assert!(!out.contains("PRIVATE-NOTES"), "{out}");
}

#[test]
fn check_treats_a_stale_file_that_is_not_utf8_as_stale() {
    let out = check_after(|_, chk| {
        fs::write(chk.join("azuredeploy.parameters.json"), b"\xff\xfe\x00").expect("write");
    });
    assert!(
        out.contains("chk/azuredeploy.parameters.json (on disk) is not UTF-8 text (3 bytes)"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn check_never_follows_a_symlink_out_of_the_folder() {
    let out = check_after(|at, chk| {
        fs::write(at.join("outside.json"), "OUTSIDE-SECRET\n").expect("write");
        let p = chk.join("azuredeploy.parameters.json");
        fs::remove_file(&p).expect("rm");
        std::os::unix::fs::symlink(at.join("outside.json"), &p).expect("symlink");
        std::os::unix::fs::symlink(at.join("outside.json"), chk.join("extra.json"))
            .expect("symlink");
    });
    assert!(
        out.contains(
            "chk/azuredeploy.parameters.json (on disk) is a symbolic link, not the generated file"
        ) && out.contains("chk/extra.json (on disk) is a symbolic link"),
        "{out}"
    );
    assert!(!out.contains("OUTSIDE-SECRET"), "{out}");
}

#[test]
fn check_of_an_untouched_bundle_is_up_to_date() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "chk");
    let o = run(at, "arm", "OLD", "chk", &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("chk is up to date"));
    assert_eq!(fs::read_dir(at.join("chk")).expect("ls").count(), 3);
}

#[test]
fn check_diffs_show_terminal_controls_escaped() {
    // A tampered file on disk must not reach the terminal raw through the diff.
    let out = check_after(|_, chk| {
        fs::write(
            chk.join("azuredeploy.parameters.json"),
            "{\n  \"x\": \"\u{1b}]52;c;cGF5bG9hZA==\u{7}\u{1b}[2J\u{202e}\"\n}\n",
        )
        .expect("write");
    });
    assert!(
        out.contains("\\u{1b}]52;c;cGF5bG9hZA==\\u{7}\\u{1b}[2J\\u{202e}"),
        "{out}"
    );
    assert!(
        !out.chars()
            .any(|c| c != '\n' && (c.is_control() || c == '\u{202e}')),
        "{out:?}"
    );
}

/// Whether this process runs as root, where permission bits do not stop it.
#[cfg(unix)]
fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// Undoes what made a folder unwritable, whatever the test does.
struct Writable(Vec<String>);

impl Drop for Writable {
    fn drop(&mut self) {
        if let Some((cmd, args)) = self.0.split_first() {
            let _ = Command::new(cmd).args(args).status();
        }
    }
}

/// J24: `--out` whose parent is not writable (though `--out` itself is) fails with the reason
/// (which folder, why: EACCES, or EPERM for root, where permission bits do not apply and the
/// folder is made immutable instead) and a next step that works; nothing is changed.
#[cfg(target_os = "linux")]
#[test]
fn an_out_under_a_read_only_parent_fails_with_the_reason_and_a_fallback() {
    let s = scratch();
    let at = s.path();
    ok(at, "arm", "OLD", "ro/out");
    let before = bundle(&at.join("ro/out"));
    let ro = at.join("ro");
    let _undo = if is_root() {
        // Root ignores mode bits; an immutable folder refuses new entries even to root.
        let made = Command::new("chattr").arg("+i").arg(&ro).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: running as root, and `chattr +i` is not available here");
            return;
        }
        Writable(vec!["chattr".into(), "-i".into(), ro.display().to_string()])
    } else {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).expect("chmod");
        Writable(vec!["chmod".into(), "755".into(), ro.display().to_string()])
    };
    let o = run(at, "arm", "NEW", "ro/out", &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("the folder that holds the lock") && err.contains("is not writable"),
        "{err}"
    );
    assert!(err.contains("EACCES") || err.contains("EPERM"), "{err}");
    assert!(err.contains("--out ro/out/bundle"), "{err}");
    assert_eq!(bundle(&at.join("ro/out")), before, "the bundle was changed");
    // The next step the message gives works.
    let o = run(at, "arm", "NEW", "ro/out/bundle", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(at.join("ro/out/bundle/azuredeploy.json").is_file());
}

/// J24: `--out` that is a mount point fails before anything is written, saying so, with the
/// folder inside it to use instead (which works). Mounting needs root: skipped elsewhere.
#[cfg(target_os = "linux")]
#[test]
fn an_out_that_is_a_mount_point_fails_with_the_reason_and_a_fallback() {
    let s = scratch();
    let at = s.path();
    let mp = at.join("mp");
    fs::create_dir(&mp).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mp)
        .stderr(Stdio::null())
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let _undo = Writable(vec!["umount".into(), mp.display().to_string()]);
    let o = run(at, "arm", "NEW", "mp", &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("`mp`: it is a mount point"), "{err}");
    assert!(err.contains("--out mp/bundle"), "{err}");
    assert_eq!(
        fs::read_dir(&mp).expect("ls").count(),
        0,
        "written into the mount"
    );
    let o = run(at, "arm", "NEW", "mp/bundle", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(mp.join("bundle/azuredeploy.json").is_file());
}
