//! The vault path against a stand-in Recovery Services vault: no emulator exists, so
//! `tests/vault/stand_in.py` serves https on 127.0.0.1 (a test certificate trusted through
//! `SSL_CERT_FILE`) and replays Azure PowerShell's recorded responses (`tests/data/recorded/`)
//! with the pages, throttling, errors and hostile links the tests need. A stand-in `az` on PATH
//! gives the CLI credential a token and the current subscription. Not a live vault.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::azurite::self_signed_cert;
use crate::support::run::{spawn_with, Run};

const JOB: &str = "cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607";
const TOKEN: &str = "FAKE-ARM-TOKEN-NEVER-PRINTED";

struct StandIn {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl StandIn {
    fn start(dir: &Path, cert: &str, key: &str, mode: &str) -> StandIn {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let log = dir.join(format!("requests-{mode}.log"));
        let mut child = Command::new("python3")
            .arg(root.join("tests/vault/stand_in.py"))
            .args([cert, key])
            .arg(root.join("tests/data/recorded"))
            .arg(&log)
            .arg(mode)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the stand-in vault");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port");
        let port = line.trim().parse().expect("the stand-in prints its port");
        StandIn { child, port, log }
    }
    fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// A stand-in `az`: a token for `get-access-token`, the subscription for `account show`.
fn fake_az(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let token = serde_json::json!({"accessToken": TOKEN, "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4_070_908_800u64, "tokenType": "Bearer"});
    let account = serde_json::json!({"id": "38304e13-357e-405e-9e9a-220351dcce8c", "name": "stand-in", "isDefault": true});
    let script = bin.join("az");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncase \"$*\" in\n  *get-access-token*) echo '{token}' ;;\n  *'account show'*) echo '{account}' ;;\n  *) exit 1 ;;\nesac\n"),
    )
    .expect("az");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn run(dir: &Path, path: &str, cert: &str, args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    spawn_with(
        dir,
        &args,
        &[
            ("PATH", OsStr::new(path)),
            ("SSL_CERT_FILE", OsStr::new(cert)),
            ("RESTORE_DEPLOY_BLOB_TIMEOUT", OsStr::new("10")),
        ],
    )
}

fn python_present() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || !std::env::var("CI").is_ok_and(|v| v == "true"),
        "python3 runs the stand-in vault under CI=true"
    );
    ok
}

#[test]
fn jobs_and_a_job_id_from_the_stand_in_vault() {
    if !python_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let Some((cert, key)) = self_signed_cert(dir.path()) else {
        return;
    };
    let path = fake_az(dir.path());
    let vault = ["--vault", "hiagaVault", "--resource-group", "hiagarg"];

    // List: the recorded restore job (page 1, after one 429 with Retry-After), then Azure
    // PowerShell's recorded page of six backup jobs (page 2, through `nextLink`).
    let s = StandIn::start(dir.path(), &cert, &key, "throttle");
    let ep = s.endpoint();
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[&["jobs"][..], &vault, &["--management-endpoint", &ep]].concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with(JOB))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    for cell in [
        "hiagavm",
        "10/26/2021 3:58:47 AM",
        "Completed",
        "hiagasa",
        "no",
    ] {
        assert!(row.contains(cell), "{cell}: {row}");
    }
    assert!(
        r.stdout
            .contains("1 VM disk-restore job(s) in `hiagaVault`; 6 other job(s)"),
        "{}",
        r.stdout
    );
    let reqs = s.requests();
    assert_eq!(reqs.len(), 4, "429, page 1, page 2, details: {reqs:#?}");
    assert!(reqs.iter().all(|l| l.starts_with("bearer ")), "{reqs:#?}");
    assert!(
        reqs[0].contains("api-version=2024-10-01") && reqs[0].contains("AzureIaasVM"),
        "{}",
        reqs[0]
    );
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));

    // The recorded job, read by id, goes the way of a `--job` file: here with the example's
    // config (real shape: disks by name, so in the job's target group) and its encryption-info
    // blob (the VM is encrypted; the recorded job names no encryption-info blob).
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/app01-restore");
    let config = example.join("config-app01.json");
    let info = example.join("encryption-info.json");
    let pairing = [
        "--encryption-info",
        info.to_str().expect("utf-8"),
        "--key-vault-id",
        "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod",
        "--vm-name",
        "app01-restored",
    ];
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &[
                "inspect",
                "--job-id",
                JOB,
                "--management-endpoint",
                &ep,
                "--config",
                config.to_str().expect("utf-8"),
            ][..],
            &pairing,
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("2021-10-26"),
        "the recovery point comes from the vault's job:\n{}",
        r.stdout
    );
    let file = dir.path().join("job.json");
    std::fs::write(
        &file,
        include_bytes!("data/recorded/job-restore-disks-msi.json"),
    )
    .expect("job");
    let same = run(
        dir.path(),
        &path,
        &cert,
        &[
            &[
                "inspect",
                "--job",
                "job.json",
                "--config",
                config.to_str().expect("utf-8"),
            ][..],
            &pairing,
        ]
        .concat(),
    );
    assert_eq!(same.code, 0, "{}", same.stderr);
    let strip = |t: &str| {
        t.lines()
            .filter(|l| !l.contains("backupJobs") && !l.contains("job.json"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&r.stdout),
        strip(&same.stdout),
        "the vault's job and the same job as a file decide the same"
    );

    // No job id: the window's completed disk restores through the `--jobs` machinery. The
    // blobs are asked of the stand-in (which has none): the job's row says so, nothing written.
    let blobs = format!("{ep}/hiagasa");
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &[
                "generate",
                "--format",
                "powershell",
                "--since",
                "7d",
                "--out",
                "out",
                "--management-endpoint",
                &ep,
                "--blob-endpoint",
                &blobs,
            ][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains(&format!("hiagaVault/{JOB}")))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(row.contains("BlobNotFound"), "{row}");
    assert!(
        s.requests().iter().any(
            |l| l.contains("/hiagasa/hiagavm-b2072a947ea845078a0773838d5d20a6/config-hiagavm-")
        ),
        "{:#?}",
        s.requests()
    );
    assert!(!dir.path().join("out").join("hiagavm").exists());

    // A job id the vault does not know: 404 with the next step.
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &[
                "inspect",
                "--job-id",
                "00000000-0000-0000-0000-000000000000",
                "--management-endpoint",
                &ep,
                "--config",
                config.to_str().expect("utf-8"),
            ][..],
            &pairing,
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RestoreJobNotFound]") && r.stderr.contains("restore-deploy jobs"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_token_goes_only_to_the_management_endpoint() {
    if !python_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let Some((cert, key)) = self_signed_cert(dir.path()) else {
        return;
    };
    let path = fake_az(dir.path());
    let vault = ["--vault", "hiagaVault", "--resource-group", "hiagarg"];

    // A `nextLink` on another host: no request there, the run fails naming it.
    let s = StandIn::start(dir.path(), &cert, &key, "hostile");
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &["jobs", "--management-endpoint", &s.endpoint()][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RecoveryVaultForeignHost]") && r.stderr.contains("evil.example"),
        "{}",
        r.stderr
    );
    assert_eq!(s.requests().len(), 1, "{:#?}", s.requests());

    // 403: which role on the vault.
    let s = StandIn::start(dir.path(), &cert, &key, "forbidden");
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &["jobs", "--management-endpoint", &s.endpoint()][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RecoveryVaultAccessDenied]")
            && r.stderr.contains("Backup Reader")
            && r.stderr.contains("AuthorizationFailed"),
        "{}",
        r.stderr
    );

    // An http endpoint never gets a token; other credentials need the subscription named.
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &["jobs", "--management-endpoint", "http://127.0.0.1:9"][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[&["jobs", "--auth", "managed-identity"][..], &vault].concat(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--subscription"), "{}", r.stderr);
}

/// Neither stream of a run carries the bearer token.
fn no_token(r: &Run) {
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the token was printed:\n{}\n{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn transient_5xx_are_retried_and_a_persistent_one_says_what_next() {
    if !python_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let Some((cert, key)) = self_signed_cert(dir.path()) else {
        return;
    };
    let path = fake_az(dir.path());
    let vault = ["--vault", "hiagaVault", "--resource-group", "hiagarg"];

    // 500, then 503 with Retry-After, then the page; the job's details: 502, then the job. The
    // SDK pipeline retries each within the deadline; the run lists the job as if nothing failed.
    let s = StandIn::start(dir.path(), &cert, &key, "flaky");
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &["jobs", "--management-endpoint", &s.endpoint()][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.lines().any(|l| l.starts_with(JOB)), "{}", r.stdout);
    no_token(&r);
    let reqs = s.requests();
    let list = |l: &&String| l.contains("/backupJobs?") && !l.contains("skiptoken");
    assert_eq!(
        reqs.iter().filter(list).count(),
        3,
        "500, 503, page 1: {reqs:#?}"
    );
    assert_eq!(
        reqs.iter()
            .filter(|l| l.contains(&format!("/backupJobs/{JOB}")))
            .count(),
        2,
        "502, details: {reqs:#?}"
    );
    assert_eq!(reqs.len(), 6, "and page 2: {reqs:#?}");
    assert!(reqs.iter().all(|l| l.starts_with("bearer ")), "{reqs:#?}");

    // Every answer a 500: the retries run out (one request and four retries), and the run
    // ends with the code the table gives a failed Resource Manager request, the status, the
    // service's own error and the next step.
    let s = StandIn::start(dir.path(), &cert, &key, "down");
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &["jobs", "--management-endpoint", &s.endpoint()][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    for part in [
        "error[RecoveryVaultFailed]",
        "still answered 500 after the retries",
        "InternalServerError",
        "run the command again in a few minutes",
        "az backup job show",
    ] {
        assert!(r.stderr.contains(part), "{part}: {}", r.stderr);
    }
    no_token(&r);
    assert_eq!(s.requests().len(), 5, "{:#?}", s.requests());

    // The same by job id: the details request gets the same retries and the same end.
    let r = run(
        dir.path(),
        &path,
        &cert,
        &[
            &[
                "inspect",
                "--job-id",
                JOB,
                "--management-endpoint",
                &s.endpoint(),
            ][..],
            &vault,
        ]
        .concat(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RecoveryVaultFailed]") && r.stderr.contains("az backup job show"),
        "{}",
        r.stderr
    );
    no_token(&r);
    assert_eq!(s.requests().len(), 10, "{:#?}", s.requests());
}

#[test]
fn an_endpoint_that_does_not_answer_is_unreachable() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = fake_az(dir.path());
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let ep = format!("https://127.0.0.1:{port}");
    let r = run(
        dir.path(),
        &path,
        "/nonexistent-cert.pem",
        &[
            "jobs",
            "--vault",
            "hiagaVault",
            "--resource-group",
            "hiagarg",
            "--management-endpoint",
            &ep,
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RecoveryVaultUnreachable]")
            && r.stderr.contains("--management-endpoint"),
        "{}",
        r.stderr
    );
    no_token(&r);
}

/// `generate --vault … --since … --config-dir DIR`: the window's jobs from the vault, their
/// blobs from a local folder by the names each job gives, and no blob request anywhere.
#[test]
fn a_window_from_the_vault_with_blobs_from_a_local_folder() {
    if !python_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let Some((cert, key)) = self_signed_cert(dir.path()) else {
        return;
    };
    let path = fake_az(dir.path());
    let s = StandIn::start(dir.path(), &cert, &key, "plain");
    let blobs = dir.path().join("blobs");
    std::fs::create_dir_all(&blobs).expect("blobs");
    let args = [
        "generate",
        "--format",
        "arm",
        "--vault",
        "hiagaVault",
        "--resource-group",
        "hiagarg",
        "--since",
        "7d",
        "--out",
        "out",
        "--config-dir",
        "blobs",
        "--management-endpoint",
        &s.endpoint(),
    ];

    // The folder does not hold the config blob the recorded job names: that job fails naming
    // the file it looked for (today as a file it cannot read), and nothing is written.
    let r = run(dir.path(), &path, &cert, &args);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains(&format!("hiagaVault/{JOB}")))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(row.contains("failed"), "{row}");
    assert!(
        r.stderr
            .contains(&format!("cannot read `blobs/config-hiagavm-{JOB}.json`")),
        "{}",
        r.stderr
    );
    no_token(&r);
    assert!(
        std::fs::read_dir(dir.path().join("out")).map_or(true, |d| d.count() == 0),
        "a failed job wrote nothing"
    );

    // The recorded session holds no config blob, so the folder gets one from a fixture that
    // pairs with the recorded job (a config of the VHD layout, which names its own disks),
    // saved as Backup writes it (UTF-16LE without BOM, NUL-padded to a 512-byte multiple:
    // aollivierre/Azure @8633274c, sohwaje/Powershell_for_azure vmconfig.json) under the job's
    // `Config Blob Name`.
    let fixture: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/valid/unmanaged-bek-aad-linux.json"),
        )
        .expect("fixture"),
    )
    .expect("fixture JSON");
    // Its VHDs move to the recorded job's staging account, where a restore writes them (S20:
    // `vhd.uri` is `<osDisk.name>.vhd` in the staging container); a VHD elsewhere is refused.
    let text = serde_json::to_string(&fixture["config"])
        .expect("config")
        .replace("https://strestorestaging01.blob.", "https://hiagasa.blob.");
    let vm = fixture["config"]["name"]
        .as_str()
        .expect("the config names its VM");
    let mut bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    std::fs::write(blobs.join(format!("config-hiagavm-{JOB}.json")), bytes).expect("config");
    let r = run(dir.path(), &path, &cert, &args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("hiagaVault/{JOB}")) && r.stdout.contains("written"),
        "{}",
        r.stdout
    );
    let deploy = dir.path().join("out").join(vm).join("azuredeploy.json");
    let template = std::fs::read_to_string(&deploy)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", deploy.display(), r.stdout));
    assert!(
        template.contains("\"hiagarg\""),
        "the VHDs' storage account group is the vault job's `Target resource group`:\n{template}"
    );
    no_token(&r);

    // Every request went to the management endpoint's job resources: none for a blob.
    let reqs = s.requests();
    assert!(
        reqs.iter()
            .all(|l| l.starts_with("bearer /subscriptions/") && l.contains("/backupJobs")),
        "{reqs:#?}"
    );
}

/// Newcomer row 12: the vault client's failures show their innermost cause under the SDK's
/// outer message, as the blob client's do (`blob::blob_failures_show_their_innermost_cause`):
/// the refused connection, and `--auth cli` with no `az` on PATH.
#[test]
fn vault_failures_show_their_innermost_cause() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let ep = format!("https://127.0.0.1:{port}");
    let args = [
        "jobs",
        "--vault",
        "hiagaVault",
        "--resource-group",
        "hiagarg",
        "--subscription",
        "38304e13-357e-405e-9e9a-220351dcce8c",
        "--management-endpoint",
        &ep,
    ];
    let r = run(
        dir.path(),
        &fake_az(dir.path()),
        "/nonexistent-cert.pem",
        &args,
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RecoveryVaultUnreachable]")
            && r.stderr.contains("caused by: Connection refused"),
        "{}",
        r.stderr
    );
    let r = run(dir.path(), "/nonexistent", "/nonexistent-cert.pem", &args);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[RecoveryVaultCredential]")
            && r.stderr.contains("caused by: az not found on PATH"),
        "{}",
        r.stderr
    );
}
