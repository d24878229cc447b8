//! `--jobs`, many restores in one run: a drill folder of 200 jobs built here from the fixtures
//! (every job-based case in turn, two broken jobs, two jobs restoring the same VM), run from local
//! files and from Azurite, and with faults injected (a missing blob, a server that never answers).
//! Every bundle that is written must be the one a single run writes for that job; a failed job
//! must leave no folder behind and never stop the others.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, run_in, Run};

const JOBS: usize = 200;
/// The jobs that must fail, by position: a job file that is not JSON, a config with no OS disk,
/// and a job that restores the VM an earlier job restores.
const NOT_JSON: usize = 57;
const NO_OS_DISK: usize = 123;
const SAME_VM: (usize, usize) = (10, 150);

/// Where the fixtures' jobs keep their blobs; every job of the drill names the same container.
fn container(job: &Value) -> String {
    let uri = bag_value(job, "config blob uri").expect("the fixture's job has a Config Blob Uri");
    uri.rsplit('/').nth(1).expect("container").to_owned()
}

/// One job of the drill, as laid out in `jobs/` and `blobs/`.
struct Job {
    vm: String,
    file: String,
    /// The fixture it was made from, or `None` when it must fail.
    kind: Option<String>,
    blobs: Vec<(String, Vec<u8>)>,
}

struct Drill {
    dir: tempfile::TempDir,
    jobs: Vec<Job>,
    /// The blob container the jobs name (where the Azurite tests seed their blobs).
    #[cfg_attr(not(feature = "azure"), allow(dead_code))]
    container: String,
    /// Options every job shares (the fixtures' key vault, which some inputs do not name).
    shared: Vec<String>,
}

impl Drill {
    fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Fixtures that are a restore job with no expected failure. The drill names every VM itself
/// (a real managed-restore config names none, and a batch takes no `--vm-name`), so configs in
/// that shape take part; fixtures that come with Backup's template do not (every drill job
/// names the same template blob, which is not in the folder: a warning per job).
fn kinds() -> Vec<(String, Value)> {
    support::fixtures("valid")
        .into_iter()
        .filter(|(_, fx)| fx["job"].is_object() && fx.get("expect_exit").is_none())
        .filter(|(_, fx)| fx["template"].is_null())
        .collect()
}

/// The `--key-vault-id` the fixtures pass for inputs that do not name their vault; every other
/// fixture argument only adds network options a batch can do without.
fn shared_args(kinds: &[(String, Value)]) -> Vec<String> {
    let mut ids: Vec<String> = kinds
        .iter()
        .filter_map(|(_, fx)| {
            let args = fx["args"].as_array()?;
            let i = args.iter().position(|a| a == "--key-vault-id")?;
            args.get(i + 1)?.as_str().map(str::to_owned)
        })
        .collect();
    ids.dedup();
    assert!(
        ids.len() <= 1,
        "the fixtures name more than one key vault: {ids:?}"
    );
    ids.into_iter()
        .flat_map(|id| ["--key-vault-id".to_owned(), id])
        .collect()
}

/// The object holding the job's blob names, whichever shape the job has.
fn bag_mut(v: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let is_bag = v.as_object().is_some_and(|m| {
        m.keys()
            .any(|k| k.trim().eq_ignore_ascii_case("config blob uri"))
    });
    if is_bag {
        return v.as_object_mut();
    }
    match v {
        Value::Object(m) => m.values_mut().find_map(bag_mut),
        Value::Array(a) => a.iter_mut().find_map(bag_mut),
        _ => None,
    }
}

fn bag_value(job: &Value, key: &str) -> Option<String> {
    let mut job = job.clone();
    let bag = bag_mut(&mut job)?;
    bag.iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str().map(str::to_owned))
}

fn set(bag: &mut serde_json::Map<String, Value>, key: &str, value: String) {
    if let Some((_, v)) = bag
        .iter_mut()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
    {
        *v = Value::String(value);
    }
}

fn drill(n: usize) -> Drill {
    let kinds = kinds();
    assert!(kinds.len() >= 10, "only {} job fixtures", kinds.len());
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("jobs")).expect("jobs/");
    std::fs::create_dir_all(dir.path().join("blobs")).expect("blobs/");
    let container = container(&kinds[0].1["job"]);
    let mut jobs = Vec::new();
    for i in 0..n {
        let (kind, fx) = &kinds[i % kinds.len()];
        let vm = if i == SAME_VM.1 {
            format!("vm-{:03}", SAME_VM.0)
        } else {
            format!("vm-{i:03}")
        };
        let (config_blob, info_blob) = (
            format!("config-{i:03}.json"),
            format!("encryptioninfo-{i:03}.json"),
        );
        let mut job = fx["job"].clone();
        let names_info = bag_value(&job, "encryption info blob name").is_some();
        let bag = bag_mut(&mut job).expect("the fixture's job has a property bag");
        let uri = bag_value(&fx["job"], "config blob uri").expect("uri");
        let base = uri.rsplit_once('/').expect("uri path").0;
        set(bag, "config blob uri", format!("{base}/{config_blob}"));
        set(bag, "config blob name", config_blob.clone());
        set(bag, "encryption info blob name", info_blob.clone());
        let mut config = fx["config"].clone();
        config["name"] = Value::String(vm.clone());
        if i == NO_OS_DISK {
            let props = config.as_object_mut().expect("config object");
            props.retain(|k, _| !k.to_ascii_lowercase().contains("storageprofile"));
        }
        let encoding = fx["encoding"].as_str().unwrap_or("utf8");
        let mut blobs = vec![(
            config_blob,
            support::encode(
                &serde_json::to_string_pretty(&config).expect("json"),
                encoding,
            ),
        )];
        if names_info {
            blobs.push((
                info_blob,
                serde_json::to_string_pretty(&fx["encryption_info"])
                    .expect("json")
                    .into_bytes(),
            ));
        }
        // Named by position first, so the folder lists the jobs in the order they were made.
        let file = format!("jobs/{i:03}-{vm}.json");
        let text = if i == NOT_JSON {
            "{\"Config Blob Name\": ".to_owned()
        } else {
            serde_json::to_string_pretty(&job).expect("json")
        };
        std::fs::write(dir.path().join(&file), text).expect("job file");
        for (name, bytes) in &blobs {
            std::fs::write(dir.path().join("blobs").join(name), bytes).expect("blob");
        }
        let clash = SAME_VM.1 < n && [SAME_VM.0, SAME_VM.1].contains(&i);
        let fails = clash || [NOT_JSON, NO_OS_DISK].contains(&i);
        jobs.push(Job {
            vm,
            file,
            kind: (!fails).then(|| kind.clone()),
            blobs,
        });
    }
    Drill {
        dir,
        jobs,
        container,
        shared: shared_args(&kinds),
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn batch(d: &Drill, out: &str, extra: &[&str]) -> Run {
    let mut args = s(&[
        "generate", "--format", "arm", "--jobs", "jobs", "--out", out,
    ]);
    args.extend(s(extra));
    args.extend(d.shared.clone());
    // The summary table is laid out from the paths as given: the real binary in the drill's
    // folder sees the same relative paths a user would.
    support::spawn_in(d.root(), &args)
}

/// What a single run writes for this job, from the same files.
fn single(d: &Drill, job: &Job) -> Vec<(String, String)> {
    let out = format!("single/{}", job.vm);
    let mut args = s(&[
        "generate", "--format", "arm", "--job", &job.file, "--out", &out,
    ]);
    for (name, _) in &job.blobs {
        let flag = if name.starts_with("config-") {
            "--config"
        } else {
            "--encryption-info"
        };
        args.extend([flag.to_owned(), format!("blobs/{name}")]);
    }
    args.extend(d.shared.clone());
    let r = run_in(d.root(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    tree(&d.root().join(out))
}

/// Every file under `dir`, by its path relative to `dir`.
fn tree(dir: &Path) -> Vec<(String, String)> {
    support::files_under(dir)
        .into_iter()
        .map(|(p, text)| {
            let rel = p.strip_prefix(dir).expect("under dir");
            (rel.display().to_string(), text)
        })
        .collect()
}

/// The written bundles are complete and are what single runs write; failed jobs left nothing.
fn bundles_complete(d: &Drill, out: &str, failed: &[&str]) {
    let out = d.root().join(out);
    let mut expected_names: Vec<(&str, Vec<String>)> = Vec::new();
    for job in &d.jobs {
        let folder = out.join(&job.vm);
        let expect_written = job.kind.is_some() && !failed.contains(&job.vm.as_str());
        if !expect_written {
            // The other job restoring the same VM must not have written it either.
            assert!(!folder.exists(), "{} left {}", job.file, folder.display());
            continue;
        }
        let files = tree(&folder);
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        let kind = job.kind.as_deref().unwrap_or_default();
        // Every bundle has the files a single run of its kind writes (an encrypted VM's ARM
        // bundle also carries prepare.ps1); the first of each kind is compared byte for byte.
        let reference = match expected_names.iter().find(|(k, _)| *k == kind) {
            Some((_, n)) => n.clone(),
            None => {
                let one = single(d, job);
                assert_eq!(files, one, "{} ({kind})", job.file);
                let n: Vec<String> = one.iter().map(|(n, _)| n.clone()).collect();
                expected_names.push((kind, n.clone()));
                n
            }
        };
        assert_eq!(names, reference, "{} ({kind})", job.file);
        assert!(
            names.iter().any(|n| n == "azuredeploy.json"),
            "{}",
            job.file
        );
    }
    let leftovers: Vec<PathBuf> = support::files_under(&out)
        .into_iter()
        .filter_map(|(p, _)| p.strip_prefix(&out).ok().map(Path::to_path_buf))
        .filter(|p| {
            p.components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        })
        .collect();
    assert!(leftovers.is_empty(), "staging files left: {leftovers:?}");
}

/// The summary's rows as (job, vm, case, result, code).
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("jobs/"))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

fn expected_code(d: &Drill, i: usize) -> &'static str {
    match i {
        NOT_JSON => "InvalidJson",
        NO_OS_DISK => "MissingOsDisk",
        _ if [SAME_VM.0, SAME_VM.1].contains(&i) => "DuplicateOutputFolder",
        _ => {
            assert!(d.jobs[i].kind.is_some());
            "-"
        }
    }
}

#[test]
fn two_hundred_jobs_from_local_files() {
    let d = drill(JOBS);
    let r = batch(&d, "out", &["--config-dir", "blobs"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = rows(&r.stdout);
    assert_eq!(rows.len(), JOBS, "{}", r.stdout);
    for (i, row) in rows.iter().enumerate() {
        let job = &d.jobs[i];
        assert_eq!(row[0], job.file);
        let code = expected_code(&d, i);
        assert_eq!(row[4], code, "{row:?}");
        assert_eq!(
            row[3],
            if code == "-" { "written" } else { "rejected" },
            "{row:?}"
        );
        // Most fixtures are named after their case.
        if let Some(kind) = job
            .kind
            .as_deref()
            .filter(|k| k.starts_with("managed-") || k.starts_with("unmanaged-"))
        {
            assert_eq!(row[2], kind, "{row:?}");
        }
    }
    bundles_complete(&d, "out", &[]);
    for code in [
        "InvalidJson",
        "MissingOsDisk",
        "DuplicateOutputFolder",
        "FileSystem",
    ] {
        assert_eq!(
            r.stderr.contains(&format!("error[{code}]")),
            code != "FileSystem",
            "{code}:\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains("also restored by `jobs/150-vm-010.json`"),
        "{}",
        r.stderr
    );
    // Not a terminal: no progress bar, only the closing time.
    assert!(
        !r.stderr.contains('\u{2588}')
            && !r.stderr.contains("\x1b[")
            && r.stderr.contains("done in"),
        "{}",
        r.stderr
    );
    support::snapshot(
        "batch__two-hundred-local",
        &format!("{}{}", r.header(), r.stdout),
    );

    // A second run replaces every bundle whole and says the same.
    let again = batch(&d, "out", &["--config-dir", "blobs", "--quiet"]);
    assert_eq!((again.code, &again.stdout), (1, &r.stdout));
    assert!(!again.stderr.contains("done in"), "{}", again.stderr);
    bundles_complete(&d, "out", &[]);
}

#[test]
fn inspect_prints_one_json_object_per_job() {
    let d = drill(60);
    let mut args = s(&[
        "inspect",
        "--jobs",
        "jobs",
        "--config-dir",
        "blobs",
        "--json",
    ]);
    args.extend(d.shared.clone());
    let r = run_in(d.root(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 60);
    for l in &lines {
        crate::inspect_json::assert_job_line(l);
    }
    for (i, v) in lines.iter().enumerate() {
        assert_eq!(v["job"], d.jobs[i].file.as_str());
        if i == NOT_JSON {
            assert_eq!(v["result"], "rejected", "{v}");
            assert_eq!(v["errors"][0]["code"], "InvalidJson", "{v}");
            continue;
        }
        assert_eq!(v["result"], "inspected", "{v}");
        assert_eq!(v["restore"]["sourceVmName"]["value"], d.jobs[i].vm.as_str());
        assert!(v["case"].is_string() && v["armTemplate"].is_string(), "{v}");
    }
    assert!(
        !r.stdout.contains("SECRETDATA"),
        "key material in the inspection"
    );
}

#[test]
fn jobs_needs_an_output_folder() {
    let d = drill(2);
    for (extra, says) in [
        (&["--jobs", "jobs"][..], "needs `--out DIR`"),
        (&["--jobs", "jobs", "--check"], "--out <DIR>"),
    ] {
        let mut args = s(&["generate", "--format", "arm"]);
        args.extend(s(extra));
        let r = run_in(d.root(), &args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(says), "{}", r.stderr);
    }
    std::fs::create_dir_all(d.root().join("empty")).expect("dir");
    let r = run_in(
        d.root(),
        &s(&[
            "generate", "--format", "arm", "--jobs", "empty", "--out", "o",
        ]),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("holds no `*.json` job files"),
        "{}",
        r.stderr
    );
    assert!(!d.root().join("o").exists());
}

/// `--check --jobs`: every job's folder compared, nothing written; a stale or missing bundle is
/// that job's `StaleOutput` (exit 1, as for one bundle) with its diff under its folder, and the
/// summary says which are up to date.
#[test]
fn check_with_jobs_compares_every_folder_and_writes_nothing() {
    let d = drill(3);
    let r = batch(&d, "o", &["--config-dir", "blobs"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = batch(&d, "o", &["--config-dir", "blobs", "--check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("3 jobs: 3 up to date"), "{}", r.stdout);
    let edited = d
        .root()
        .join("o")
        .join(&d.jobs[1].vm)
        .join("azuredeploy.json");
    let text = std::fs::read_to_string(&edited).expect("template");
    std::fs::write(
        &edited,
        text.replacen("\"apiVersion\"", "\"apiversion\"", 1),
    )
    .expect("edit");
    let gone = d.root().join("o").join(&d.jobs[2].vm);
    std::fs::remove_dir_all(&gone).expect("remove");
    let r = batch(&d, "o", &["--config-dir", "blobs", "--check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("3 jobs: 1 up to date, 2 stale"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("-      \"apiversion\": ")
            && r.stdout.contains(&format!("== o/{}\n", d.jobs[1].vm))
            && r.stdout.contains(&format!("== o/{}\n", d.jobs[2].vm)),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("error[StaleOutput]"), "{}", r.stderr);
    assert!(!r.stderr.contains("FileSystem"), "{}", r.stderr);
    // Nothing was written: the edit stays, the removed bundle stays removed.
    assert!(std::fs::read_to_string(&edited)
        .expect("template")
        .contains("\"apiversion\""));
    assert!(!gone.exists());
    // JSON lines say the same per job.
    let r = batch(&d, "o", &["--config-dir", "blobs", "--check", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let results: Vec<String> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line")["result"].to_string())
        .collect();
    assert_eq!(
        results,
        ["\"up to date\"", "\"stale\"", "\"stale\""],
        "{}",
        r.stdout
    );
}

/// `--vm-name '{source}-dr'` names every job's new VM after its source, so a drill's bundles
/// deploy without hand edits; a literal name (every VM the same) is a usage error that writes
/// nothing.
#[test]
fn vm_name_pattern_names_every_bundle_after_its_source() {
    let d = drill(3);
    let r = batch(
        &d,
        "o",
        &["--config-dir", "blobs", "--vm-name", "{source}-dr"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for job in &d.jobs {
        let p = d
            .root()
            .join("o")
            .join(&job.vm)
            .join("azuredeploy.parameters.json");
        let params: Value =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("parameters")).expect("json");
        assert_eq!(
            params["parameters"]["virtualMachineName"]["value"],
            format!("{}-dr", job.vm),
            "{}",
            p.display()
        );
    }
    for literal in ["dr-vm", "{Source}-dr"] {
        let r = batch(&d, "o2", &["--config-dir", "blobs", "--vm-name", literal]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("error[Usage]")
                && r.stderr.contains("the same name")
                && r.stderr.contains("--vm-name '{source}-dr'"),
            "{}",
            r.stderr
        );
        assert!(!d.root().join("o2").exists());
    }
    // `inspect --jobs` takes the same rule.
    let r = run_in(
        d.root(),
        &s(&[
            "inspect",
            "--jobs",
            "jobs",
            "--config-dir",
            "blobs",
            "--vm-name",
            "x",
        ]),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// A batch killed at random moments (`kill -9`) leaves every folder under `--out` the old bundle or
/// the new one, never a mix, and never a half-written file: the batch flushes its staged bundles
/// once and renames each whole (`plan::batch`). The next complete run removes what the killed
/// ones left beside them.
#[test]
fn batches_killed_at_random_moments_leave_each_bundle_old_or_new() {
    use std::collections::BTreeMap;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    const ITERATIONS: usize = 40;
    const MAX_ROUNDS: usize = 160;
    let d = drill(24);
    let command = |out: &str, extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_restore-deploy"));
        c.current_dir(d.root())
            .env_remove("AZURE_STORAGE_SAS_TOKEN")
            .args(["generate", "--format", "arm", "--jobs", "jobs"])
            .args(["--config-dir", "blobs", "--quiet", "--out", out])
            .args(extra)
            .args(&d.shared)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let bundles = |out: &str| -> BTreeMap<String, Vec<(String, String)>> {
        std::fs::read_dir(d.root().join(out))
            .expect("out")
            .map(|e| {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                (name, tree(&e.path()))
            })
            .collect()
    };
    let timed = |out: &str, extra: &[&str]| {
        let t = Instant::now();
        assert!(command(out, extra).status().expect("runs").success());
        t.elapsed()
    };
    timed("ref-old", &["--vm-size", "Standard_OLD"]);
    let full = timed("ref-new", &[]);
    let (old, new) = (bundles("ref-old"), bundles("ref-new"));
    assert_eq!(old.len(), 24);
    assert!(old.keys().eq(new.keys()) && old.values().zip(new.values()).all(|(o, n)| o != n));
    let span = (full.as_micros() as u64 * 6 / 5).max(1);
    let mut rng = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |t| t.as_nanos() as u64)
        | 1;
    let seed = rng;
    let (mut saw_old, mut saw_new, mut left) = (0, 0, 0);
    // The machine's load changes while the loop runs (other tests flush the same disk), so a round
    // count fixed in advance may land every kill before the swaps: run at least ITERATIONS rounds,
    // and while one side was never seen, widen the window and go on, up to MAX_ROUNDS.
    let mut span = span;
    let mut rounds = 0;
    for i in 0..MAX_ROUNDS {
        if i >= ITERATIONS && saw_old > 0 && saw_new > 0 {
            break;
        }
        if i >= ITERATIONS && i % 10 == 0 {
            span = span * 3 / 2;
        }
        rounds += 1;
        let k = d.root().join("k");
        if k.exists() {
            std::fs::remove_dir_all(&k).expect("reset");
        }
        // Half the rounds start from the old bundles, half from nothing.
        let fresh = i % 2 == 1;
        if !fresh {
            for (name, files) in &old {
                std::fs::create_dir_all(k.join(name)).expect("mkdir");
                for (f, text) in files {
                    std::fs::write(k.join(name).join(f), text).expect("write");
                }
            }
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = command("k", &[]).spawn().expect("spawn");
        std::thread::sleep(Duration::from_micros(rng % span));
        let _ = child.kill();
        child.wait().expect("wait");
        if !k.exists() {
            continue;
        }
        for (name, files) in bundles("k") {
            if name.starts_with('.') {
                left += 1;
            } else if old.get(&name) == Some(&files) && !fresh {
                saw_old += 1;
            } else if new.get(&name) == Some(&files) {
                saw_new += 1;
            } else {
                panic!("round {i} (seed {seed}): `k/{name}` is neither its old nor its new bundle: {files:?}");
            }
        }
    }
    eprintln!("batch kill loop: {rounds} rounds, a full run {full:?}, window {span} µs, seed {seed}: {saw_old} old, {saw_new} new, {left} leftovers");
    assert!(
        saw_old > 0 && saw_new > 0,
        "every kill landed on one side of the swaps (old {saw_old}, new {saw_new}): the loop tested nothing"
    );
    assert!(command("k", &[]).status().expect("runs").success());
    assert_eq!(
        bundles("k"),
        new,
        "the next complete run left something beside the bundles"
    );
}

#[cfg(feature = "azure")]
mod azurite;

/// `generate --jobs --json` lines are part of the `inspect --json` contract too (`$defs/jobLine`).
#[test]
fn generate_json_lines_fit_the_schema() {
    let d = drill(60);
    let r = batch(&d, "out", &["--config-dir", "blobs", "--json", "--quiet"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 60);
    for l in &lines {
        crate::inspect_json::assert_job_line(l);
    }
    assert_eq!(lines[NOT_JSON]["errors"][0]["code"], "InvalidJson");
    assert_eq!(lines[0]["result"], "written");
}

/// J2–J4, J6: a VM name becomes a folder only when Azure allows it as a VM name and every file
/// system reads it as that one folder. Each other name refuses its own job as an input problem
/// (`InvalidVmName`, never `FileSystem`), before anything is written; the other jobs go on.
#[test]
fn vm_names_that_cannot_be_folders_refuse_their_job_only() {
    let hostile = [
        "M".repeat(220),
        "L".repeat(255),
        "CON".to_owned(),
        "nul".to_owned(),
        "COM1".to_owned(),
        "lpt9".to_owned(),
        "AUX.json".to_owned(),
        "app01\u{200b}".to_owned(),
        "app\u{202e}10".to_owned(),
        "\u{feff}app01".to_owned(),
        "\u{0430}pp01".to_owned(),
        "app\u{ff10}1".to_owned(),
        "\u{03bf}\u{03b4}\u{03bf}\u{03c2}".to_owned(),
        "caf\u{e9}".to_owned(),
        "cafe\u{301}".to_owned(),
    ];
    let d = drill(hostile.len() + 1);
    let kinds = kinds();
    for (i, name) in hostile.iter().enumerate() {
        let (_, fx) = &kinds[i % kinds.len()];
        let mut config = fx["config"].clone();
        config["name"] = Value::String(name.clone());
        let encoding = fx["encoding"].as_str().unwrap_or("utf8");
        let text = serde_json::to_string_pretty(&config).expect("json");
        std::fs::write(
            d.root().join(format!("blobs/config-{i:03}.json")),
            support::encode(&text, encoding),
        )
        .expect("blob");
    }
    let r = batch(&d, "out", &["--config-dir", "blobs", "--json", "--quiet"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), hostile.len() + 1);
    for (i, name) in hostile.iter().enumerate() {
        assert_eq!(lines[i]["result"], "rejected", "{name:?}: {}", lines[i]);
        assert_eq!(
            lines[i]["errors"][0]["code"], "InvalidVmName",
            "{name:?}: {}",
            lines[i]
        );
    }
    let last = hostile.len();
    assert_eq!(lines[last]["result"], "written", "{}", lines[last]);
    let written: Vec<String> = std::fs::read_dir(d.root().join("out"))
        .expect("out/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, vec![d.jobs[last].vm.clone()]);
}

/// The summary's JSON lines, by VM folder name (or job file when no VM).
fn json_rows(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// J7: `out/<vm>` planted as a symbolic link (to another VM's committed bundle outside `--out`,
/// or to an empty folder) is refused for that job (`UnsafeOutputFolder`), never resolved or
/// written through; the other jobs are written.
#[cfg(unix)]
#[test]
fn jobs_never_write_through_a_link_planted_in_out() {
    use std::os::unix::fs::symlink;
    let d = drill(3);
    let root = d.root();
    std::fs::create_dir_all(root.join("prod/db")).expect("prod");
    std::fs::write(root.join("prod/db/azuredeploy.json"), "PRECIOUS\n").expect("write");
    std::fs::create_dir_all(root.join("victim-empty")).expect("victim");
    std::fs::create_dir_all(root.join("out")).expect("out");
    symlink("../prod/db", root.join("out/vm-000")).expect("symlink");
    symlink("../victim-empty", root.join("out/vm-001")).expect("symlink");
    let r = batch(&d, "out", &["--config-dir", "blobs", "--json", "--quiet"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let lines = json_rows(&r.stdout);
    for (i, line) in lines.iter().enumerate() {
        if i < 2 {
            assert_eq!(line["result"], "failed", "{line}");
            assert_eq!(line["code"], "UnsafeOutputFolder", "{line}");
            assert!(line["folder"].is_null(), "{line}");
        } else {
            assert_eq!(line["result"], "written", "{line}");
        }
    }
    assert!(
        r.stderr.contains("error[UnsafeOutputFolder]"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(root.join("prod/db/azuredeploy.json")).expect("kept"),
        "PRECIOUS\n"
    );
    assert_eq!(support::files_under(&root.join("prod/db")).len(), 1);
    assert!(support::files_under(&root.join("victim-empty")).is_empty());
    assert!(root.join("out/vm-000").is_symlink() && root.join("out/vm-001").is_symlink());
    assert!(root.join("out/vm-002/azuredeploy.json").is_file());
}

/// J8: `out/alias -> vm-000` with jobs for both: the real folder is written by its own job only,
/// every time; the job behind the link is refused.
#[cfg(unix)]
#[test]
fn two_jobs_never_share_one_real_folder_through_a_link() {
    let d = drill(2);
    let root = d.root();
    std::fs::create_dir_all(root.join("out/vm-000")).expect("out");
    std::os::unix::fs::symlink("vm-000", root.join("out/vm-001")).expect("symlink");
    let own = single(&d, &d.jobs[0]);
    assert_ne!(own, single(&d, &d.jobs[1]));
    for _ in 0..3 {
        let r = batch(
            &d,
            "out",
            &[
                "--config-dir",
                "blobs",
                "--json",
                "--quiet",
                "--concurrency",
                "2",
            ],
        );
        assert_eq!(r.code, 3, "{}", r.stderr);
        let lines = json_rows(&r.stdout);
        assert_eq!(lines[0]["result"], "written", "{}", lines[0]);
        assert_eq!(lines[1]["code"], "UnsafeOutputFolder", "{}", lines[1]);
        // The two jobs are of different kinds: the folder holds job 0's bundle, byte for byte.
        assert_eq!(tree(&root.join("out/vm-000")), own);
        assert!(root.join("out/vm-001").is_symlink());
    }
}

/// The real binary run in `dir`, with its peak resident memory (`VmHWM`, sampled from
/// `/proc/<pid>/status` while it runs; the high-water mark only grows, so a sample after the
/// peak sees it).
#[cfg(target_os = "linux")]
fn spawn_measured(dir: &Path, args: &[String]) -> (i32, String, u64) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let child = std::process::Command::new(support::BIN)
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !d.load(Ordering::Relaxed) {
            let hwm = std::fs::read_to_string(&status).ok().and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            });
            peak = peak.max(hwm.unwrap_or(0) * 1024);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        peak
    });
    let o = child.wait_with_output().expect("wait");
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().expect("sampler");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), stderr, peak)
}

/// J22: a batch's memory is bounded by `--concurrency`, not by its length. 40 jobs whose config
/// carries a 1 MiB tag (tags go on the VM, the NIC and the extension: over 3 MiB of bundle each,
/// 135 MiB in all), one at a time, peak far under what holding every bundle would take; every
/// bundle is written. Measured (debug build): 44 MiB peak; before bundles were staged as they
/// were rendered, 185 MiB (all kept until the last job).
#[cfg(target_os = "linux")]
#[test]
fn a_batch_of_large_configs_peaks_with_its_concurrency_not_its_length() {
    const N: usize = 40;
    const TAG: usize = 1 << 20;
    let d = drill(N);
    let kinds = kinds();
    for (i, job) in d.jobs.iter().enumerate() {
        let kind = job
            .kind
            .as_deref()
            .expect("every job of this drill is good");
        let fx = &kinds.iter().find(|(k, _)| k == kind).expect("kind").1;
        let mut config = fx["config"].clone();
        config["name"] = Value::String(job.vm.clone());
        config["tags"] = serde_json::json!({ "drill": "A".repeat(TAG) });
        std::fs::write(
            d.root().join(format!("blobs/config-{i:03}.json")),
            serde_json::to_vec(&config).expect("json"),
        )
        .expect("config");
    }
    let mut args = s(&[
        "generate",
        "--format",
        "arm",
        "--jobs",
        "jobs",
        "--config-dir",
        "blobs",
        "--out",
        "out",
        "--concurrency",
        "1",
        "--quiet",
    ]);
    args.extend(d.shared.clone());
    let (code, stderr, peak) = spawn_measured(d.root(), &args);
    assert_eq!(code, 0, "{stderr}");
    let written: u64 = support::files_under(&d.root().join("out"))
        .iter()
        .map(|(_, t)| t.len() as u64)
        .sum();
    const MIB: u64 = 1 << 20;
    eprintln!(
        "{N} jobs, {} MiB of bundles written: peak RSS {} MiB",
        written / MIB,
        peak / MIB
    );
    assert!(written >= (N * 3 * TAG) as u64, "{written} bytes written");
    assert!(peak > 0, "no sample of the run's memory");
    // Holding every bundle would take more than `written`; the batch holds about one job.
    assert!(
        peak < written / 2,
        "peak RSS {} MiB for {} MiB of bundles",
        peak / MIB,
        written / MIB
    );
}

/// The real binary run in `dir`; killed, and the test failed, if it has not ended within 30 s.
#[cfg(unix)]
fn spawn_or_hang(dir: &Path, args: &[String]) -> (i32, String, String) {
    use std::io::Read;
    let mut child = std::process::Command::new(support::BIN)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`restore-deploy {}` hung", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    (status.code().unwrap_or(-1), out, err)
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    rustix::fs::mkfifoat(rustix::fs::CWD, p, rustix::fs::Mode::from_raw_mode(0o644))
        .expect("mkfifo");
}

/// J10: a FIFO or a device named as a job, and a FIFO in `--config-dir` where a job's config blob
/// should be, are refused at once (`NotARegularFile`); the batch's other jobs go on.
#[cfg(unix)]
#[test]
fn fifos_and_devices_among_the_inputs_are_refused_at_once() {
    let d = drill(3);
    let root = d.root();
    mkfifo(&root.join("jobs/fifo.json"));
    // Job 1's config blob is a FIFO.
    let blob = root.join("blobs/config-001.json");
    std::fs::remove_file(&blob).expect("rm");
    mkfifo(&blob);
    let mut args = s(&[
        "inspect",
        "--jobs",
        "jobs/fifo.json",
        "/dev/null",
        &d.jobs[0].file,
        &d.jobs[1].file,
        &d.jobs[2].file,
        "--config-dir",
        "blobs",
        "--json",
        "--quiet",
    ]);
    args.extend(d.shared.clone());
    let (code, stdout, stderr) = spawn_or_hang(root, &args);
    assert_eq!(code, 3, "{stderr}");
    let lines = json_rows(&stdout);
    let codes: Vec<&str> = lines
        .iter()
        .map(|l| l["code"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        codes,
        [
            "NotARegularFile",
            "NotARegularFile",
            "-",
            "NotARegularFile",
            "-"
        ],
        "{stdout}"
    );
    assert!(
        stderr.contains("is a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
    assert!(stderr.contains("`/dev/null` is a device"), "{stderr}");
    // The same folder listed as a whole: the FIFO is skipped by the listing, the blob refused.
    let mut args = s(&[
        "generate",
        "--format",
        "arm",
        "--jobs",
        "jobs",
        "--config-dir",
        "blobs",
        "--out",
        "out",
        "--json",
        "--quiet",
    ]);
    args.extend(d.shared.clone());
    let (code, stdout, stderr) = spawn_or_hang(root, &args);
    assert_eq!(code, 3, "{stderr}");
    let results: Vec<String> = json_rows(&stdout)
        .iter()
        .map(|l| l["code"].as_str().unwrap_or("-").to_owned())
        .collect();
    assert_eq!(results, ["-", "NotARegularFile", "-"], "{stdout}");
    assert!(root.join("out/vm-000/azuredeploy.json").is_file());
    assert!(root.join("out/vm-002/azuredeploy.json").is_file());
}

/// J11: a FIFO planted at a lock path (a bundle's, where a batch falls back to a single run's
/// protocol, the batch's own, or beside one `--out`) is refused at once, never opened and waited
/// on; a batch's other jobs go on.
#[cfg(unix)]
#[test]
fn a_fifo_planted_at_a_lock_path_is_refused_at_once() {
    let d = drill(2);
    let root = d.root();
    std::fs::create_dir_all(root.join("out")).expect("out");
    mkfifo(&root.join("out/.vm-000.restore-deploy.lock"));
    let r = |out: &str| {
        let mut args = s(&[
            "generate",
            "--format",
            "arm",
            "--jobs",
            "jobs",
            "--config-dir",
            "blobs",
            "--out",
            out,
            "--json",
            "--quiet",
        ]);
        args.extend(d.shared.clone());
        spawn_or_hang(root, &args)
    };
    let (code, stdout, stderr) = r("out");
    assert_eq!(code, 3, "{stderr}");
    let lines = json_rows(&stdout);
    assert_eq!(lines[0]["code"], "NotARegularFile", "{stdout}");
    assert_eq!(lines[1]["result"], "written", "{stdout}");
    // The batch's own lock: every job is refused, at once, with the summary printed.
    std::fs::create_dir_all(root.join("out2")).expect("out2");
    mkfifo(&root.join("out2/.restore-deploy-batch.lock"));
    let (code, stdout, stderr) = r("out2");
    assert_eq!(code, 3, "{stderr}");
    for l in json_rows(&stdout) {
        assert_eq!(l["code"], "NotARegularFile", "{l}");
    }
    // One `--out`.
    mkfifo(&root.join(".single.restore-deploy.lock"));
    let mut args = s(&["generate", "--format", "arm", "--job", &d.jobs[0].file]);
    for (name, _) in &d.jobs[0].blobs {
        let flag = if name.starts_with("config-") {
            "--config"
        } else {
            "--encryption-info"
        };
        args.extend([flag.to_owned(), format!("blobs/{name}")]);
    }
    args.extend(s(&["--out", "single"]));
    args.extend(d.shared.clone());
    let (code, _, stderr) = spawn_or_hang(root, &args);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("error[NotARegularFile]"), "{stderr}");
}

/// J23: one VM's key references cannot apply to a batch: `--secret-url` and `--key-url` with
/// `--jobs` (or with the vault batch `--since`) are a usage error, and nothing is written; nor can
/// one VM's NIC indexes (`--nic-subnet`, issue 18).
#[test]
fn one_vms_key_urls_are_a_usage_error_with_many_jobs() {
    let d = drill(2);
    let secret = "https://kv-contoso-prod.vault.azure.net/secrets/ONE-BEK-FOR-ALL/1";
    let key = "https://kv-contoso-prod.vault.azure.net/keys/ONE-KEK/1";
    let subnet = "1=/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-b";
    for (flag, url) in [
        ("--secret-url", secret),
        ("--key-url", key),
        ("--nic-subnet", subnet),
    ] {
        for many in [
            &["--jobs", "jobs", "--config-dir", "blobs"][..],
            &["--vault", "rsv", "--resource-group", "rg", "--since", "24h"][..],
        ] {
            let mut args = s(&["generate", "--format", "arm", "--out", "o", flag, url]);
            args.extend(s(many));
            let r = run_in(d.root(), &args);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
            assert!(!d.root().join("o").exists());
        }
        let r = run_in(
            d.root(),
            &s(&[
                "inspect",
                "--jobs",
                "jobs",
                "--config-dir",
                "blobs",
                flag,
                url,
            ]),
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
    }
}

/// The config of this drill job as its fixture gives it, VM named, written as UTF-8 after `edit`.
fn rewrite_config(d: &Drill, i: usize, edit: impl FnOnce(&mut Value)) {
    let kinds = kinds();
    let kind = d.jobs[i].kind.as_deref().expect("a good job");
    let fx = &kinds.iter().find(|(k, _)| k == kind).expect("kind").1;
    let mut config = fx["config"].clone();
    config["name"] = Value::String(d.jobs[i].vm.clone());
    edit(&mut config);
    std::fs::write(
        d.root().join(format!("blobs/config-{i:03}.json")),
        serde_json::to_vec(&config).expect("json"),
    )
    .expect("config");
}

/// J16: the `--jobs --json` lines escape hazards exactly as a single `inspect --json` does: no
/// raw RLO, zero-width space, BOM, line separator, C1 control or DEL reaches stdout, from a job
/// file's name, a VM name or a tag value, and each value reads back intact.
#[test]
fn job_lines_escape_hazards_like_inspect_json() {
    const HAZARDS: [char; 8] = [
        '\u{202e}', '\u{200b}', '\u{feff}', '\u{2028}', '\u{85}', '\u{9b}', '\u{7f}', '\u{1b}',
    ];
    let tag: String = HAZARDS.iter().map(|c| format!("a{c}")).collect();
    let d = drill(2);
    let vm = "vm\u{202e}x";
    rewrite_config(&d, 0, |c| {
        c["name"] = Value::String(vm.to_owned());
        c["tags"] = serde_json::json!({ "t": tag });
    });
    let renamed = "jobs/001-\u{202e}\u{200b}.json";
    std::fs::rename(d.root().join(&d.jobs[1].file), d.root().join(renamed)).expect("rename");
    for command in ["inspect", "generate"] {
        let mut args = s(&[command, "--jobs", "jobs", "--config-dir", "blobs", "--json"]);
        if command == "generate" {
            args.extend(s(&["--format", "arm", "--out", "out"]));
        }
        args.extend(d.shared.clone());
        let r = run_in(d.root(), &args);
        // The VM name with an RLO cannot name a folder: `generate` rejects that job
        // (`InvalidVmName`, exit 1), and its error line must escape the name as well.
        let want = if command == "generate" { 1 } else { 0 };
        assert_eq!(r.code, want, "{}", r.stderr);
        for c in HAZARDS {
            assert!(
                !r.stdout.contains(c),
                "{command}: raw U+{:04X} on stdout",
                c as u32
            );
        }
        let lines = json_rows(&r.stdout);
        assert_eq!(lines.len(), 2, "{}", r.stdout);
        if command == "generate" {
            assert_eq!(lines[0]["result"], "rejected", "{}", lines[0]);
            assert_eq!(lines[0]["errors"][0]["code"], "InvalidVmName");
            let message = lines[0]["errors"][0]["message"].as_str().unwrap_or("");
            assert!(message.contains("vm\\u{202e}x"), "{message}");
        } else {
            assert_eq!(lines[0]["vm"], vm);
        }
        assert_eq!(lines[1]["job"], renamed);
        for l in &lines {
            crate::inspect_json::assert_job_line(l);
        }
        if command == "inspect" {
            assert!(r.stdout.contains("\\u202e"), "{}", r.stdout);
            fn holds(v: &Value, s: &str) -> bool {
                match v {
                    Value::String(x) => x == s,
                    Value::Array(a) => a.iter().any(|x| holds(x, s)),
                    Value::Object(m) => m.values().any(|x| holds(x, s)),
                    _ => false,
                }
            }
            assert!(holds(&lines[0], &tag), "the tag did not read back");
        }
    }
}

/// J17: one job with hundreds of problems: its JSON line lists 50 errors, as stderr does, and
/// counts the rest in `errorsOmitted`.
#[test]
fn a_job_lines_errors_stop_at_50_with_a_count() {
    let d = drill(2);
    let mut disks = 0;
    rewrite_config(&d, 0, |c| {
        fn data_disks(v: &mut Value) -> Option<&mut Vec<Value>> {
            match v {
                Value::Object(m) => {
                    let key = m
                        .keys()
                        .find(|k| k.eq_ignore_ascii_case("datadisks"))
                        .cloned();
                    match key {
                        Some(k) if m[&k].as_array().is_some_and(|a| !a.is_empty()) => {
                            m.get_mut(&k).and_then(Value::as_array_mut)
                        }
                        _ => m.values_mut().find_map(data_disks),
                    }
                }
                _ => None,
            }
        }
        let list = data_disks(c).expect("a fixture with data disks");
        let first = list[0].clone();
        *list = (0..300)
            .map(|i| {
                let mut disk = first.clone();
                disk["lun"] = serde_json::json!(100 + i);
                disk
            })
            .collect();
        disks = list.len();
    });
    assert_eq!(disks, 300, "drill job 0's fixture has no data disks");
    let mut args = s(&[
        "generate",
        "--format",
        "arm",
        "--jobs",
        "jobs",
        "--config-dir",
        "blobs",
        "--out",
        "out",
        "--json",
    ]);
    args.extend(d.shared.clone());
    let r = run_in(d.root(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines = json_rows(&r.stdout);
    let errors = lines[0]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 50, "{}", lines[0]);
    let omitted = lines[0]["errorsOmitted"].as_u64().expect("errorsOmitted");
    assert!(omitted >= 250, "{omitted}");
    assert!(
        r.stderr.contains(&format!("and {omitted} more")),
        "{}",
        r.stderr
    );
    assert!(lines[1].get("errorsOmitted").is_none());
    for l in &lines {
        crate::inspect_json::assert_job_line(l);
    }
}

/// J15: a job `refused` because the command line cannot work for it (`--restore-keys` for a VM
/// that was not encrypted: a `Usage` code) makes the batch exit 2, as README's batch rules say;
/// the other jobs are written.
#[test]
fn a_refused_job_makes_the_batch_exit_2() {
    let d = drill(kinds().len());
    let mut args = s(&[
        "generate", "--format", "arm", "--jobs", "jobs", "--config-dir", "blobs", "--out", "out",
        "--json", "--quiet", "--restore-keys", "--target-key-vault",
        "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys-dr/providers/Microsoft.KeyVault/vaults/kv-contoso-dr",
    ]);
    args.extend(d.shared.clone());
    let r = run_in(d.root(), &args);
    let lines = json_rows(&r.stdout);
    let results: Vec<&str> = lines
        .iter()
        .map(|l| l["result"].as_str().unwrap_or_default())
        .collect();
    assert!(results.contains(&"refused"), "{results:?}");
    assert!(results.contains(&"written"), "{results:?}");
    assert!(!results.contains(&"failed"), "{}", r.stdout);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("jobs were not written"), "{}", r.stderr);
}

/// Newcomer rows 8, 9, 30 and 38: a batch with a rejected job (not JSON), a job too old for a
/// template and a failed one (its config blob gone) says each outcome in one word everywhere:
/// each job's errors on stderr are headed by its summary `RESULT`, and the last line counts the
/// jobs not written in the summary's own words (not four rejections as a `FileSystem` failure).
/// It then ends with one next-steps block for every bundle written, said once with `<vm>`, and
/// a command that reruns only the jobs that were not written (the old one with
/// `--format powershell`); `--quiet` leaves the block out.
#[test]
fn a_batch_says_each_outcome_in_one_word_and_ends_with_its_next_steps() {
    let n = kinds().len();
    let d = drill(n);
    std::fs::write(d.root().join(&d.jobs[1].file), "{\"Config Blob Name\": ").expect("not JSON");
    let old = d.root().join(&d.jobs[2].file);
    let mut job: Value =
        serde_json::from_str(&std::fs::read_to_string(&old).expect("job")).expect("json");
    set(
        bag_mut(&mut job).expect("bag"),
        "recovery point time",
        "4/25/2016 11:59:59 PM".to_owned(),
    );
    std::fs::write(&old, serde_json::to_string(&job).expect("json")).expect("old job");
    std::fs::remove_file(d.root().join("blobs").join(&d.jobs[3].blobs[0].0)).expect("rm config");
    let r = batch(&d, "out", &["--config-dir", "blobs"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let rows: Vec<(&str, &str)> = r
        .stdout
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("jobs/"))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0], cells[cells.len() - 2])
        })
        .collect();
    assert_eq!(rows.len(), n, "{}", r.stdout);
    let result = |i: usize| rows[i].1;
    assert_eq!(
        [result(1), result(2), result(3)],
        ["rejected", "rejected", "failed"],
        "{}",
        r.stdout
    );
    // The job too old for a template was read: its VM and case are shown (row 30).
    let old_row = r
        .stdout
        .lines()
        .find(|l| l.starts_with(d.jobs[2].file.as_str()))
        .expect("the old job's row");
    assert!(
        old_row.contains(&format!(" {} ", d.jobs[2].vm))
            && old_row.contains("RecoveryPointBeforeTemplateSupport")
            && !old_row.contains(" - "),
        "{old_row}"
    );
    // Each job's errors are headed by the word its row says.
    for (job, word) in &rows {
        let head = format!("job `{job}` ({word}):");
        assert_eq!(
            r.stderr.contains(&head),
            *word != "written",
            "{head}\n{}",
            r.stderr
        );
    }
    // The totals and the last line count in the same words.
    let totals = r.stdout.lines().last().expect("totals");
    let not_written: Vec<&str> = totals
        .split(": ")
        .nth(1)
        .expect("counts")
        .split(", ")
        .filter(|c| !c.ends_with(" written"))
        .collect();
    let written = rows.iter().filter(|(_, w)| *w == "written").count();
    let last = format!(
        "error[FileSystem]: {} of {n} jobs were not written: {}",
        n - written,
        not_written.join(", ")
    );
    assert!(r.stderr.contains(&last), "{last}\n{}", r.stderr);
    assert!(
        r.stderr
            .contains("`FileSystem` is the most severe code (`failed`"),
        "{}",
        r.stderr
    );
    // One next-steps block, for the bundles written, each path with `<vm>`.
    let head = format!("next steps for the {written} bundles written, each in out/<vm>");
    assert_eq!(
        r.stderr.matches("next steps for").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&head), "{head}\n{}", r.stderr);
    assert!(
        r.stderr.contains("'out/<vm>/azuredeploy.json'")
            && r.stderr.contains("& 'out/<vm>/prepare.ps1'"),
        "{}",
        r.stderr
    );
    // The reruns: the old job as a script, the others once fixed; only their files named.
    let old_job = &d.jobs[2].file;
    assert!(
        r.stderr.contains(&format!(
            "restore-deploy generate --format powershell --jobs '{old_job}' --out 'out'"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "restore-deploy generate --format arm --jobs '{}' '{}' --out 'out'",
            d.jobs[1].file, d.jobs[3].file
        )),
        "{}",
        r.stderr
    );
    let r = batch(&d, "out2", &["--config-dir", "blobs", "--quiet"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(!r.stderr.contains("next steps for"), "{}", r.stderr);
    // `--json` lines carry the same words, and each error's `caused by:` lines as `causes`.
    let r = batch(&d, "out3", &["--config-dir", "blobs", "--json"]);
    let lines = json_rows(&r.stdout);
    for (line, (_, word)) in lines.iter().zip(&rows) {
        assert_eq!(line["result"], *word, "{line}");
        crate::inspect_json::assert_job_line(line);
    }
    let causes = lines[3]["errors"][0]["causes"].as_array().expect("causes");
    assert!(!causes.is_empty(), "{}", lines[3]);
    for c in causes {
        let c = c.as_str().expect("a cause");
        assert!(
            r.stderr.contains(&format!("caused by: {c}")),
            "{c}\n{}",
            r.stderr
        );
    }
}

/// Newcomer row 9: `inspect --jobs` (text) prints the summary table after the inspections, as
/// `generate --jobs` does (its last line pointed at a summary that was not printed).
#[test]
fn inspect_jobs_text_ends_with_its_summary_table() {
    let d = drill(3);
    std::fs::write(d.root().join(&d.jobs[1].file), "{\"Config Blob Name\": ").expect("not JSON");
    let mut args = s(&["inspect", "--jobs", "jobs", "--config-dir", "blobs"]);
    args.extend(d.shared.clone());
    let r = run_in(d.root(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("3 jobs: 2 inspected, 1 rejected"),
        "{}",
        r.stdout
    );
    let head = lines
        .iter()
        .position(|l| l.starts_with("JOB ") && l.contains("RESULT"))
        .expect("a summary table");
    assert!(
        lines[head + 2].contains(&d.jobs[1].file) && lines[head + 2].contains("rejected"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("1 of 3 jobs were not inspected: 1 rejected"),
        "{}",
        r.stderr
    );
}
