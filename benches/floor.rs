// The floor of any Rust program on this machine, for the one-job rows of benches/run.sh: what
// `cat` does (read the files named, write them to stdout), built by rustc -O as a release build of
// this crate is, so the ratio to `cat` shows what a Rust process's own start costs (the dynamic
// loader's relocations, std's runtime set-up) before restore-deploy does anything.
use std::io::Write;
fn main() {
    let mut out = std::io::stdout().lock();
    for p in std::env::args().skip(1) {
        let b = std::fs::read(&p).expect("read");
        out.write_all(&b).expect("write");
    }
}
