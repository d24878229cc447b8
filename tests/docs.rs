//! `completions` and `man` are generated from the parser; these tests generate both for real and
//! check that every subcommand and every option of every subcommand appears in them, so a flag
//! added tomorrow cannot be missing from a user's shell or man page.

use clap::{Command, CommandFactory, Parser};
use restore_deploy::cli::Cli;

fn run(args: &[&str]) -> (Result<(), restore_deploy::error::Errors>, String) {
    let cli = Cli::try_parse_from(std::iter::once("restore-deploy").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let r = restore_deploy::run(cli, &mut out, &mut err);
    (r, String::from_utf8(out).expect("utf-8"))
}

fn subcommands() -> Vec<Command> {
    let mut root = Cli::command();
    root.build();
    root.get_subcommands().cloned().collect()
}

/// Every long option a subcommand shows, `help` included (a hidden, deprecated one is left out
/// of completions and pages alike).
fn longs(cmd: &Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

#[test]
fn completions_name_every_subcommand_and_option_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (r, script) = run(&["completions", shell]);
        assert!(r.is_ok(), "{shell}: {r:?}");
        let subs = subcommands();
        assert!(subs.len() >= 6);
        for sub in &subs {
            assert!(
                script.contains(sub.get_name()),
                "{shell}: no `{}`",
                sub.get_name()
            );
            for long in longs(sub) {
                // fish spells a long option `-l NAME`; the others write it out.
                let spelled = match shell {
                    "fish" => format!("-l {long}"),
                    _ => format!("--{long}"),
                };
                assert!(
                    script.contains(&spelled),
                    "{shell}: `{} --{long}` missing",
                    sub.get_name()
                );
            }
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let e = Cli::try_parse_from(["restore-deploy", "completions", "tcsh"])
        .expect_err("tcsh was accepted");
    assert_eq!(e.exit_code(), 2);
}

/// roff escapes every `-` as `\-`.
fn roff(s: &str) -> String {
    s.replace('-', "\\-")
}

#[test]
fn man_pages_name_every_subcommand_and_option() {
    let (r, page) = run(&["man"]);
    assert!(r.is_ok(), "{r:?}");
    assert!(
        page.starts_with(".ie") && page.contains(".TH restore-deploy 1"),
        "{page}"
    );
    for sub in subcommands() {
        let name = sub.get_name().to_string();
        assert!(
            page.contains(&roff(&format!("restore-deploy-{name}(1)"))),
            "root page does not list {name}"
        );
        let (r, sub_page) = run(&["man", &name]);
        assert!(r.is_ok(), "{r:?}");
        assert!(
            sub_page.contains(&format!(".TH restore-deploy-{name} 1")),
            "{sub_page}"
        );
        assert!(sub_page.contains(&format!("restore-deploy {}", env!("CARGO_PKG_VERSION"))));
        for long in longs(&sub) {
            assert!(
                sub_page.contains(&roff(&format!("--{long}"))),
                "man restore-deploy-{name}: `--{long}` missing"
            );
        }
    }
}

#[test]
fn man_for_an_unknown_subcommand_names_the_real_ones() {
    let (r, out) = run(&["man", "deploy"]);
    let e = r.expect_err("`man deploy` succeeded").to_string();
    assert!(out.is_empty());
    assert!(
        e.contains("error[Usage]") && e.contains("generate, inspect"),
        "{e}"
    );
}

/// The build script itself, so its fallback is tested without a crate tarball.
#[allow(dead_code)]
#[path = "../build.rs"]
mod build_script;

/// `--version` names the commit this binary was built from and whether blob support is in it.
#[test]
fn version_names_the_commit_and_blob_support() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected = std::env::var("RESTORE_DEPLOY_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| build_script::commit(repo))
        .unwrap_or_else(|| "unknown".into());
    let dir = tempfile::tempdir().expect("tmp");
    let long = crate::support::spawn_in(dir.path(), &["--version".to_string()]);
    assert_eq!(long.code, 0, "{}", long.stderr);
    let first = format!(
        "restore-deploy {} ({expected})\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        long.stdout.starts_with(&first),
        "{:?} vs {first:?}",
        long.stdout
    );
    let built_in = long
        .stdout
        .contains("blob and vault support (feature `azure`): built in");
    assert_eq!(built_in, cfg!(feature = "azure"), "{}", long.stdout);
    let short = crate::support::spawn_in(dir.path(), &["-V".to_string()]);
    assert_eq!(short.stdout, first);
}

/// Outside a git checkout (a crate tarball, a copied folder) the build names no commit rather
/// than failing or naming a surrounding repository's.
#[test]
fn build_script_names_no_commit_outside_a_checkout() {
    let dir = tempfile::tempdir().expect("tmp");
    assert_eq!(build_script::commit(dir.path()), None);
    // A folder inside a checkout that is not its top is not that checkout's crate.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(build_script::commit(&repo.join("src")), None);
    if let Some(c) = build_script::commit(repo) {
        let (hash, date) = c.split_once(' ').expect("hash and date");
        assert!(
            hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{c}"
        );
        assert_eq!(date.len(), 10, "{c}");
    }
}
