//! `--help` is a user's first page: every page is snapshotted, so a change to it is reviewed as a
//! customer would read it, and its examples and usage rule are checked against the real parser.
//! All in-process through clap: no binary is spawned.

use std::path::Path;

use clap::error::ErrorKind;
use clap::{Command, CommandFactory, Parser};
use restore_deploy::cli::Cli;

/// The subcommands that read one restore's inputs (a job source is required).
const SUBCOMMANDS: [&str; 3] = ["generate", "inspect", "check"];

/// Every subcommand with a help page: the restore commands, `jobs`, which lists a vault, and the
/// two that print the tool's own completions and man page.
const PAGES: [&str; 6] = ["generate", "inspect", "check", "jobs", "completions", "man"];

/// The command as a terminal of a fixed width would show it: with clap's `wrap_help` the text
/// would otherwise follow the width of whatever terminal runs the tests.
fn root() -> Command {
    Cli::command().term_width(100).max_term_width(100)
}

fn sub(name: &str) -> Command {
    let mut root = root();
    // Subcommands inherit the root's settings (and get their usage's `restore-deploy` prefix)
    // only once the root is built.
    root.build();
    root.find_subcommand(name)
        .unwrap_or_else(|| panic!("no subcommand `{name}`"))
        .clone()
}

/// Clap pads blank lines inside an option's help with the indent; trailing spaces are invisible
/// to a reader and would be stripped by editors, so they are dropped before snapshotting.
fn page(help: clap::builder::StyledStr) -> String {
    let text = help.to_string();
    assert!(!text.contains('\x1b'), "help kept escape codes: {text:?}");
    text.lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

fn snapshot(name: &str, command_line: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => command_line,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn clap_accepts_the_command_definition() {
    root().debug_assert();
}

#[test]
fn root_help_pages() {
    snapshot(
        "help__root-long",
        "restore-deploy --help",
        &page(root().render_long_help()),
    );
    snapshot(
        "help__root-short",
        "restore-deploy -h",
        &page(root().render_help()),
    );
}

#[test]
fn subcommand_help_pages() {
    for name in PAGES {
        snapshot(
            &format!("help__{name}-long"),
            &format!("restore-deploy {name} --help"),
            &page(sub(name).render_long_help()),
        );
        snapshot(
            &format!("help__{name}-short"),
            &format!("restore-deploy {name} -h"),
            &page(sub(name).render_help()),
        );
    }
}

#[test]
fn every_option_has_one_line_of_help() {
    for name in PAGES {
        for arg in sub(name).get_arguments() {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            assert!(
                !help.trim().is_empty() && !help.contains('\n'),
                "`{name} --{}` needs one line of help, has {help:?}",
                arg.get_id()
            );
        }
    }
}

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("restore-deploy").chain(args.iter().copied()))
}

/// What the usage line says: a config or a job, or both; every other source option is optional
/// and cannot stand in for them.
#[test]
fn a_config_or_a_job_is_the_one_required_source() {
    for name in SUBCOMMANDS {
        let base: Vec<&str> = match name {
            "generate" => vec![name, "--format", "arm"],
            _ => vec![name],
        };
        let with = |extra: &[&str]| parse(&[&base[..], extra].concat());

        for ok in [
            &["--config", "c.json"][..],
            &["--job", "j.json"],
            &["--config", "c.json", "--job", "j.json"],
            &[
                "--vault",
                "rsv",
                "--resource-group",
                "rg",
                "--job-id",
                "cfa8b622",
            ],
        ] {
            assert!(with(ok).is_ok(), "`{name} {}` was refused", ok.join(" "));
        }
        for alone in [
            &[][..],
            &["--encryption-info", "e.json"],
            &["--recovery-point-time", "2019-12-25T22:07:11Z"],
            &["--blob-endpoint", "http://127.0.0.1:10000/devstoreaccount1"],
            &["--sas", "sv=x"],
            &["--auth", "cli"],
            &["--vm-name", "vm"],
        ] {
            let err = with(alone).err().unwrap_or_else(|| {
                panic!("`{name} {}` was accepted without a source", alone.join(" "))
            });
            assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
            assert_eq!(err.exit_code(), 2);
            let usage = err.to_string();
            // `--jobs` (many restores) stands in for both where a command takes it.
            let group = match name {
                "check" => "<--config <SRC>|--job <SRC>|--vault <NAME>>",
                _ => "<--config <SRC>|--job <SRC>|--vault <NAME>|--jobs <PATH>...>",
            };
            assert!(
                usage.contains(group) && !usage.contains("|--encryption-info"),
                "{usage}"
            );
        }
    }
}

/// The example command lines at the end of a page, continuation lines joined and split the way a
/// shell would for these simple lines; a redirection or a pipe ends the arguments.
fn examples(cmd: &Command) -> Vec<Vec<String>> {
    let text = cmd
        .get_after_long_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut commands = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        let line = match current.take() {
            Some(open) => format!("{open} {line}"),
            None if line.starts_with("restore-deploy ") => line.to_string(),
            None => continue,
        };
        match line.strip_suffix('\\') {
            Some(open) => current = Some(open.trim_end().to_string()),
            None => commands.push(line),
        }
    }
    commands
        .iter()
        .map(|c| {
            c.split_whitespace()
                .skip(1)
                .take_while(|w| !w.starts_with('>') && *w != "|")
                .map(|w| w.trim_matches('"').to_string())
                .collect()
        })
        .collect()
}

#[test]
fn every_page_shows_examples_that_parse() {
    let pages: Vec<(String, Command)> = std::iter::once(("restore-deploy".to_string(), root()))
        .chain(PAGES.iter().map(|n| (n.to_string(), sub(n))))
        .collect();
    for (name, cmd) in pages {
        let found = examples(&cmd);
        assert!(
            (2..=3).contains(&found.len()),
            "`{name} --help` shows {} examples",
            found.len()
        );
        for args in found {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            if let Err(e) = parse(&refs) {
                panic!(
                    "example `{}` on `{name} --help` does not parse: {e}",
                    args.join(" ")
                );
            }
        }
    }
}

/// The examples that use the bundled restore run as printed, with `out/app01` moved into a
/// temporary folder; `--check` right after the plain run must find nothing stale.
#[test]
fn examples_on_the_bundled_restore_run_as_printed() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut ran = 0;
    for name in SUBCOMMANDS {
        for args in examples(&sub(name)) {
            if !args.iter().any(|a| a.starts_with("examples/")) {
                continue;
            }
            let args: Vec<String> = args
                .iter()
                .map(|a| match a.as_str() {
                    "out/app01" => tmp.path().join("app01").display().to_string(),
                    a if a.starts_with("examples/") => repo.join(a).display().to_string(),
                    a => a.to_string(),
                })
                .collect();
            let cli = parse(&args.iter().map(String::as_str).collect::<Vec<_>>())
                .unwrap_or_else(|e| panic!("{e}"));
            let (mut out, mut err) = (Vec::new(), Vec::new());
            if let Err(e) = restore_deploy::run(cli, &mut out, &mut err) {
                panic!("`{}` failed: {e}", args.join(" "));
            }
            ran += 1;
        }
    }
    assert!(ran >= 5, "only {ran} examples use the bundled restore");
}

/// The README's set-up command is the first thing a newcomer pastes: it runs as printed on the
/// bundled example (in the shape Azure Backup writes it), from the repository's root.
#[test]
fn readme_set_up_command_runs_on_the_bundled_restore() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).expect("README");
    let set_up = readme
        .split("## Set up")
        .nth(1)
        .and_then(|s| s.lines().find(|l| l.starts_with("cargo run --release -- ")))
        .expect("a `cargo run --release --` line under Set up");
    let tmp = tempfile::tempdir().expect("tempdir");
    let args: Vec<String> = set_up
        .split_whitespace()
        .skip(4)
        .map(|a| match a {
            "out/app01" => tmp.path().join("app01").display().to_string(),
            a if a.starts_with("examples/") => repo.join(a).display().to_string(),
            a => a.to_string(),
        })
        .collect();
    assert!(
        args.iter().any(|a| a.ends_with("config-app01.json")),
        "{set_up}"
    );
    let cli = parse(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    if let Err(e) = restore_deploy::run(cli, &mut out, &mut err) {
        panic!("`{set_up}` failed: {e}");
    }
    let parameters = std::fs::read_to_string(tmp.path().join("app01/azuredeploy.parameters.json"))
        .expect("parameters file");
    // The network came from Backup's template beside the config, found by its blob name.
    assert!(parameters.contains("vnet-app"), "{parameters}");
}

#[test]
fn the_vault_is_another_job_source() {
    let gen = |extra: &[&str]| parse(&[&["generate", "--format", "arm"][..], extra].concat());
    let id = [
        "--vault",
        "rsv",
        "--resource-group",
        "rg",
        "--job-id",
        "cfa8b622",
    ];
    assert!(gen(&id).is_ok());
    // Exclusive with a job file; a job id or a window needs the vault.
    assert!(gen(&[&id[..], &["--job", "j.json"]].concat()).is_err());
    assert!(gen(&["--job-id", "cfa8b622", "--config", "c.json"]).is_err());
    assert!(
        gen(&["--vault", "rsv", "--job-id", "x"]).is_err(),
        "no resource group"
    );
    assert!(parse(&[
        "jobs",
        "--vault",
        "rsv",
        "--resource-group",
        "rg",
        "--since",
        "24h",
        "--json"
    ])
    .is_ok());
    // `jobs` lists a vault: the usage line says so, and clap refuses a run without one.
    let err = parse(&["jobs", "--since", "24h"])
        .err()
        .unwrap_or_else(|| panic!("`jobs` without a vault was accepted"));
    assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
    assert!(err.to_string().contains("--vault <NAME>"), "{err}");
    assert!(
        parse(&["jobs", "--vault", "rsv"]).is_err(),
        "no resource group"
    );
    // A window: the jobs from the vault, their blobs from storage or from a local folder, with
    // the `--jobs` options; `--config-dir` has no meaning for one job read by id.
    let window = [
        "--vault",
        "rsv",
        "--resource-group",
        "rg",
        "--since",
        "7d",
        "--out",
        "o",
    ];
    assert!(gen(&window).is_ok());
    assert!(gen(&[&window[..], &["--config-dir", "d", "--quiet", "--json"]].concat()).is_ok());
    assert!(gen(&[&id[..], &["--config-dir", "d"]].concat()).is_err());
    assert!(gen(&["--job", "j.json", "--config-dir", "d"]).is_err());
    assert!(gen(&["--job", "j.json", "--quiet"]).is_err());
    assert!(parse(&["inspect", "--jobs", "j", "--config-dir", "d", "--quiet"]).is_ok());
    assert!(parse(&["inspect", "--job", "j.json", "--config-dir", "d"]).is_err());
}

/// Every long page ends with the environment variables and the exit statuses: every variable an
/// option reads (clap's `env`) or README names as `RESTORE_DEPLOY_*`, and README's exit-status
/// table row for row, so the two cannot drift.
#[test]
fn every_long_page_ends_with_environment_and_exit_status() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let statuses: Vec<(String, String)> = readme
        .split("## Exit status")
        .nth(1)
        .expect("README has an Exit status section")
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 4 && cells[1].parse::<u8>().is_ok())
                .then(|| (cells[1].to_string(), cells[2].replace('`', "")))
        })
        .collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    let mut vars: Vec<String> = readme
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|w| w.starts_with("RESTORE_DEPLOY_") && w.len() > "RESTORE_DEPLOY_".len())
        .map(str::to_string)
        .collect();
    let pages: Vec<(String, Command)> = std::iter::once(("restore-deploy".to_string(), root()))
        .chain(PAGES.iter().map(|n| (n.to_string(), sub(n))))
        .collect();
    for (name, cmd) in pages {
        vars.extend(
            cmd.get_arguments()
                .filter_map(|a| a.get_env().map(|e| e.to_string_lossy().into_owned())),
        );
        let text = page(cmd.clone().render_long_help());
        let (_, tail) = text
            .split_once("\nEnvironment:\n")
            .unwrap_or_else(|| panic!("`{name} --help` has no Environment section"));
        let (env, exit) = tail
            .split_once("\nExit status:\n")
            .unwrap_or_else(|| panic!("`{name} --help` has no Exit status section"));
        for var in &vars {
            assert!(
                env.contains(var.as_str()),
                "`{name} --help` does not name {var}"
            );
        }
        let exit = flat(exit);
        for (status, meaning) in &statuses {
            assert!(
                exit.contains(&format!("{status} {meaning}")),
                "`{name} --help` exit status {status}: {exit:?} lacks {meaning:?}"
            );
        }
    }
}

/// The Azure CLI's spellings where the meaning is the same (`az backup job list -g … --vault-name
/// …`, `az vm create --size … --vnet-name … -l …`) parse exactly as the long options.
#[test]
fn az_spellings_parse_as_the_long_options() {
    let same = |az: &[&str], ours: &[&str]| {
        let a = parse(az).unwrap_or_else(|e| panic!("{}: {e}", az.join(" ")));
        let b = parse(ours).unwrap_or_else(|e| panic!("{}: {e}", ours.join(" ")));
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", az.join(" "));
    };
    same(
        &["jobs", "--vault-name", "rsv", "-g", "rg"],
        &["jobs", "--vault", "rsv", "--resource-group", "rg"],
    );
    same(
        &[
            "generate",
            "--format",
            "arm",
            "--job",
            "j.json",
            "--size",
            "Standard_D2s_v3",
            "--vnet-name",
            "vnet-app",
            "-l",
            "westeurope",
        ],
        &[
            "generate",
            "--format",
            "arm",
            "--job",
            "j.json",
            "--vm-size",
            "Standard_D2s_v3",
            "--virtual-network",
            "vnet-app",
            "--location",
            "westeurope",
        ],
    );
    same(
        &[
            "inspect",
            "--vault-name",
            "rsv",
            "-g",
            "rg",
            "--job-id",
            "x",
        ],
        &[
            "inspect",
            "--vault",
            "rsv",
            "--resource-group",
            "rg",
            "--job-id",
            "x",
        ],
    );
    // The aliases are shown, so a reader of --help learns them.
    let page = page(sub("generate").render_long_help());
    for alias in [
        "--vault-name",
        "--size",
        "--vnet-name",
        "-g, --resource-group",
        "-l, --location",
    ] {
        assert!(
            page.contains(alias),
            "generate --help does not show {alias}"
        );
    }
}

/// Every `restore-deploy` command in README's install, first-restore and Windows sections parses
/// as printed (shell `\` and PowerShell backtick continuations joined).
#[test]
fn readme_walkthrough_commands_parse() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let mut parsed = 0;
    for section in [
        "## Install",
        "## Your first real restore",
        "## On Windows / PowerShell",
    ] {
        let body = readme
            .split(section)
            .nth(1)
            .unwrap_or_else(|| panic!("README has no `{section}`"))
            .split("\n## ")
            .next()
            .unwrap_or_default();
        let mut in_code = false;
        let mut current: Option<String> = None;
        for line in body.lines().map(str::trim) {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if !in_code {
                continue;
            }
            let line = match current.take() {
                Some(open) => format!("{open} {line}"),
                None if line.starts_with("restore-deploy ") => line.to_string(),
                None => continue,
            };
            match line.strip_suffix('\\').or_else(|| line.strip_suffix('`')) {
                Some(open) => current = Some(open.trim_end().to_string()),
                None => {
                    let args: Vec<String> = line
                        .split_whitespace()
                        .skip(1)
                        .take_while(|w| !w.starts_with('>') && *w != "|" && *w != "#")
                        .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
                        .collect();
                    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                    if let Err(e) = parse(&refs) {
                        panic!("README's `{line}` does not parse: {e}");
                    }
                    parsed += 1;
                }
            }
        }
    }
    assert!(parsed >= 6, "only {parsed} commands found");
}

/// `--restore-keys-into <vault id>` says in one flag what `--restore-keys --target-key-vault`
/// says in two (newcomer row 21); `--restore-keys` alone still needs the vault.
#[test]
fn restore_keys_into_is_one_flag_for_the_pair() {
    let id = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-dr";
    let overrides = |extra: &[&str]| {
        let cli = parse(
            &[
                &["generate", "--format", "arm", "--job", "j.json"][..],
                extra,
            ]
            .concat(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let restore_deploy::cli::Command::Generate(a) = cli.command else {
            panic!("not generate")
        };
        let o = restore_deploy::cli::overrides(&a.sources, &a.deploy);
        (o.restore_keys, o.target_key_vault)
    };
    let both = overrides(&["--restore-keys", "--target-key-vault", id]);
    assert_eq!(both, (true, Some(id.to_string())));
    assert_eq!(overrides(&["--restore-keys-into", id]), both);
    assert_eq!(overrides(&["--target-key-vault", id]), both);
    assert_eq!(overrides(&[]), (false, None));
    assert!(parse(&[
        "generate",
        "--format",
        "arm",
        "--job",
        "j.json",
        "--restore-keys"
    ])
    .is_err());
}

/// `check --help` lists only what changes its verdict (newcomer row 22): the network options are
/// accepted, so a `generate` line pastes as it is, but not shown.
#[test]
fn check_does_not_list_the_network_options() {
    let page = page(sub("check").render_long_help());
    for hidden in [
        "--subnet",
        "--virtual-network",
        "--public-ip",
        "--no-public-ip",
    ] {
        assert!(!page.contains(hidden), "check --help lists {hidden}");
    }
    assert!(page.contains("--vm-name") && page.contains("--key-vault-id"));
    assert!(parse(&["check", "--job", "j.json", "--subnet", "s", "--public-ip"]).is_ok());
}

/// Newcomer row 20: `-o json` / `--output json` (`--output=json`, `-ojson`), as az spells it,
/// means `--json` wherever `--json` is taken, with the same rules (`generate` only with
/// `--jobs` or `--since`); az's other outputs have no counterpart and are refused, never taken
/// for the default text.
#[test]
fn output_json_is_the_same_as_json() {
    use restore_deploy::cli::Command as C;
    let json = |args: &[&str]| match parse(args).map(|c| c.command) {
        Ok(C::Inspect(a)) => Some(a.json),
        Ok(C::Generate(a)) => Some(a.json),
        Ok(C::Jobs(a)) => Some(a.json),
        Ok(_) => None,
        Err(e) => panic!("{args:?}: {e}"),
    };
    for o in [
        &["-o", "json"][..],
        &["--output", "json"],
        &["--output=json"],
        &["-ojson"],
    ] {
        let with = |base: &[&'static str]| -> Vec<&'static str> { [base, o].concat() };
        assert_eq!(
            json(&with(&["inspect", "--job", "j.json"])),
            Some(true),
            "{o:?}"
        );
        assert_eq!(
            json(&with(&[
                "generate", "--format", "arm", "--jobs", "j", "--out", "o"
            ])),
            Some(true),
            "{o:?}"
        );
        assert_eq!(
            json(&with(&["jobs", "--vault", "v", "-g", "rg"])),
            Some(true),
            "{o:?}"
        );
        // One job's generate has no JSON output: refused as `--json` is.
        assert!(parse(&with(&["generate", "--format", "arm", "--job", "j.json"])).is_err());
    }
    assert_eq!(json(&["inspect", "--job", "j.json"]), Some(false));
    for other in ["table", "tsv", "yaml", "jsonc"] {
        let e = parse(&["inspect", "--job", "j.json", "-o", other]).expect_err(other);
        assert_eq!(e.kind(), ErrorKind::InvalidValue, "{other}");
    }
}
