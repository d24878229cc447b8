//! The drill against Azurite: the same 200 jobs read from blobs must write the same tree as from
//! local files, and a missing blob or a server that never answers fails only its own job.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use super::*;
use crate::support::azurite::{account_sas, Azurite};

fn seed(az: &Azurite, d: &Drill, skip: &[&str]) {
    let blobs = d.jobs.iter().flat_map(|job| &job.blobs);
    az.put_all(
        &d.container,
        blobs
            .filter(|(name, _)| !skip.contains(&name.as_str()))
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    );
}

fn from_blobs(d: &Drill, endpoint: &str, out: &str, env: &[(&str, &str)]) -> Run {
    let sas = account_sas("r");
    let mut args = s(&[
        "generate", "--format", "arm", "--jobs", "jobs", "--out", out,
    ]);
    args.extend(s(&["--blob-endpoint", endpoint, "--sas", &sas, "--json"]));
    args.extend(d.shared.clone());
    let o = std::process::Command::new(support::BIN)
        .args(&args)
        .current_dir(d.root())
        .envs(env.iter().copied())
        .output()
        .expect("runs");
    let r = Run {
        code: o.status.code().expect("exited"),
        stdout: String::from_utf8(o.stdout).expect("utf-8"),
        stderr: String::from_utf8(o.stderr).expect("utf-8"),
        args,
    };
    let sig = sas.split("sig=").nth(1).expect("sig");
    assert!(
        !r.stdout.contains(sig) && !r.stderr.contains(sig),
        "a SAS signature was printed"
    );
    r
}

fn summary(r: &Run) -> Vec<Value> {
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn two_hundred_jobs_from_azurite_match_the_local_run() {
    let Some(az) = Azurite::start_or_skip() else {
        return;
    };
    let d = drill(JOBS);
    seed(&az, &d, &[]);
    let started = Instant::now();
    let r = from_blobs(&d, &az.endpoint, "out-blob", &[]);
    eprintln!("200 jobs from Azurite in {:?}", started.elapsed());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines = summary(&r);
    assert_eq!(lines.len(), JOBS);
    for (i, v) in lines.iter().enumerate() {
        let code = expected_code(&d, i);
        assert_eq!(v["code"].as_str().unwrap_or("-"), code, "{v}");
        if code == "-" {
            assert_eq!(v["folder"], format!("out-blob/{}", d.jobs[i].vm).as_str());
        }
    }
    bundles_complete(&d, "out-blob", &[]);
    let local = batch(&d, "out", &["--config-dir", "blobs"]);
    assert_eq!(local.code, 1, "{}", local.stderr);
    assert_eq!(
        tree(&d.root().join("out-blob")),
        tree(&d.root().join("out")),
        "the blobs and the files give different bundles"
    );
}

/// In front of Azurite: one request per connection, passed through, except requests for
/// `stall`, which are held open unanswered. Stops accepting after `LIFETIME`.
fn stalling_proxy(upstream: &str, stall: String) -> String {
    const LIFETIME: Duration = Duration::from_secs(30);
    let up = url::Url::parse(upstream).expect("endpoint");
    let up_addr = format!(
        "{}:{}",
        up.host_str().expect("host"),
        up.port().expect("port")
    );
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    l.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let until = Instant::now() + LIFETIME;
        let mut connections = 0;
        while Instant::now() < until && connections < 500 {
            let Ok((client, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            connections += 1;
            let (up_addr, stall) = (up_addr.clone(), stall.clone());
            std::thread::spawn(move || pass(client, &up_addr, &stall, until));
        }
    });
    format!("http://{addr}{}", up.path())
}

fn pass(mut client: TcpStream, upstream: &str, stall: &str, until: Instant) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let path = text.split_whitespace().nth(1).unwrap_or_default();
    if path.contains(stall) {
        // Never answer; hold the connection until the proxy's life ends.
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
        return;
    }
    let (head_text, _) = text.split_once("\r\n\r\n").expect("head");
    let mut forwarded: String = head_text
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    forwarded.push_str("Connection: close\r\n\r\n");
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    if up.write_all(forwarded.as_bytes()).is_err() {
        return;
    }
    let _ = std::io::copy(&mut up, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Both);
}

#[test]
fn a_missing_blob_and_a_stalled_server_leave_the_other_bundles_complete() {
    let Some(az) = Azurite::start_or_skip() else {
        return;
    };
    let d = drill(24);
    let (missing, stalled) = (&d.jobs[5], &d.jobs[9]);
    let missing_blob = missing.blobs[0].0.clone();
    seed(&az, &d, &[&missing_blob]);
    let endpoint = stalling_proxy(&az.endpoint, stalled.blobs[0].0.clone());
    let started = Instant::now();
    let r = from_blobs(
        &d,
        &endpoint,
        "out",
        &[("RESTORE_DEPLOY_BLOB_TIMEOUT", "1")],
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "the stall held the batch for {took:?}"
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let lines = summary(&r);
    let by_vm = |vm: &str| {
        lines
            .iter()
            .find(|v| v["vm"].is_null() && v["job"].as_str().is_some_and(|j| j.contains(vm)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(by_vm(&missing.vm)["code"], "BlobNotFound", "{}", r.stdout);
    assert_eq!(by_vm(&stalled.vm)["code"], "BlobTimeout", "{}", r.stdout);
    assert_eq!(by_vm(&stalled.vm)["result"], "failed");
    let written = lines.iter().filter(|v| v["result"] == "written").count();
    // 24 jobs, none of them broken on purpose: all but the two faults.
    assert_eq!(written, 22, "{}", r.stdout);
    bundles_complete(&d, "out", &[&missing.vm, &stalled.vm]);
    assert!(r.stderr.contains("sig=REDACTED"), "{}", r.stderr);
}
