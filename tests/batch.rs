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
