//! Stand-in HTTP servers on 127.0.0.1 for the hostile-blob tests: each records the head of every
//! request it receives and how many body bytes it got out, serves at most a few connections for
//! at most a minute, and stops by itself (or when dropped). Bodies are synthetic: a 2 GiB answer is
//! one 1 MiB buffer written again and again, never held whole.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{self, Laid};

/// Limits of every stand-in: it stops by itself after this long or this many connections.
const LIFETIME: Duration = Duration::from_secs(60);
const MAX_CONNECTIONS: usize = 16;
pub const MIB: u64 = 1024 * 1024;

/// What a stand-in answers to one request path.
#[derive(Clone)]
pub enum Reply {
    Status(u16),
    /// 200 with `Content-Length` and these extra header lines.
    Body(Vec<u8>, &'static str),
    /// 200, `Transfer-Encoding: chunked`, `total` synthetic bytes in 1 MiB chunks, extra headers.
    Chunked(u64, &'static str),
    /// Accept, read the request, never answer.
    Silent,
}

pub struct StandIn {
    pub port: u16,
    /// Request heads, one per connection.
    heads: Arc<Mutex<Vec<String>>>,
    /// Body bytes written before the client went away.
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StandIn {
    pub fn start(reply: impl Fn(&str) -> Reply + Send + 'static) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s, st) = (heads.clone(), sent.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let until = Instant::now() + LIFETIME;
            let mut held = Vec::new();
            let mut served = 0;
            while !st.load(Ordering::Relaxed) && Instant::now() < until && served < MAX_CONNECTIONS
            {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                served += 1;
                let head = read_head(&mut conn);
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                h.lock().expect("log").push(head);
                match reply(&path) {
                    Reply::Silent => held.push(conn),
                    r => answer(conn, r, &s, &st, until),
                }
            }
        });
        StandIn {
            port,
            heads,
            sent,
            stop,
            thread: Some(thread),
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("log").clone()
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_head(conn: &mut TcpStream) -> String {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn answer(mut conn: TcpStream, reply: Reply, sent: &AtomicU64, stop: &AtomicBool, until: Instant) {
    let _ = conn.set_write_timeout(Some(Duration::from_secs(5)));
    let common = "x-ms-blob-type: BlockBlob\r\nConnection: close\r\n";
    match reply {
        Reply::Status(code) => {
            let _ = write!(
                conn,
                "HTTP/1.1 {code} Stand-in\r\nContent-Length: 0\r\n{common}\r\n"
            );
        }
        Reply::Body(body, extra) => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n{common}{extra}\r\n",
                body.len()
            );
            if conn.write_all(&body).is_ok() {
                sent.fetch_add(body.len() as u64, Ordering::Relaxed);
            }
        }
        Reply::Chunked(total, extra) => {
            let head =
                format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{common}{extra}\r\n");
            if conn.write_all(head.as_bytes()).is_err() {
                return;
            }
            // One 1 MiB buffer written over and over: the test never holds the body it sends.
            let chunk = vec![b' '; MIB as usize];
            let mut left = total;
            while left > 0 && !stop.load(Ordering::Relaxed) && Instant::now() < until {
                let n = left.min(MIB) as usize;
                let framed = conn
                    .write_all(format!("{n:x}\r\n").as_bytes())
                    .and_then(|()| conn.write_all(&chunk[..n]))
                    .and_then(|()| conn.write_all(b"\r\n"));
                if framed.is_err() {
                    return;
                }
                sent.fetch_add(n as u64, Ordering::Relaxed);
                left -= n as u64;
            }
            let _ = conn.write_all(b"0\r\n\r\n");
        }
        Reply::Silent => {}
    }
}

/// Peak resident memory of a running child, sampled from `/proc` until it exits, in bytes.
pub fn run_measured(laid: &Laid, args: &[&str]) -> (Output, Option<u64>, Duration) {
    let started = Instant::now();
    let child = Command::new(support::BIN)
        .args(args)
        .current_dir(laid.dir.path())
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .env_remove("RESTORE_DEPLOY_BLOB_TIMEOUT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = None;
        while !d.load(Ordering::Relaxed) {
            let hwm = std::fs::read_to_string(&status).ok().and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            });
            peak = peak.max(hwm.map(|kb| kb * 1024));
            std::thread::sleep(Duration::from_millis(2));
        }
        peak
    });
    let o = child.wait_with_output().expect("wait");
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().expect("sampler");
    (o, peak, started.elapsed())
}
