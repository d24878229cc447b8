//! Az cmdlet calls checked against the Az modules' own help (platyPS markdown copied into
//! `tests/data/az-help/<Module>/<Cmdlet>.md`): the cmdlet exists, every parameter exists (by name or
//! alias), switches are switches, the given parameters fit one parameter set, that set's
//! mandatory parameters are all given, and every literal argument is one of the parameter's
//! "Accepted values" (its `ValidateSet`), which PowerShell checks before the cmdlet runs.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use super::powershell::{Invocation, ParamValue};

const COMMON: &[&str] = &[
    "Verbose",
    "Debug",
    "ErrorAction",
    "WarningAction",
    "InformationAction",
    "ProgressAction",
    "ErrorVariable",
    "WarningVariable",
    "InformationVariable",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
    "WhatIf",
    "Confirm",
];

#[derive(Debug, Clone)]
struct Param {
    name: String,
    aliases: Vec<String>,
    switch: bool,
    /// The help's `Accepted values:` line: the only values binding lets through (compared
    /// case-insensitively, as `ValidateSet` does by default). Empty: any value.
    accepted: Vec<String>,
    /// (sets — empty means all — , required in them)
    membership: Vec<(Vec<String>, bool)>,
}

#[derive(Debug, Clone)]
pub struct Cmdlet {
    sets: Vec<String>,
    params: Vec<Param>,
}

static CACHE: LazyLock<Mutex<HashMap<String, Option<Cmdlet>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The copied help of a cmdlet, under any module folder, matched as PowerShell matches names.
pub fn help_file(name: &str) -> Option<std::path::PathBuf> {
    let root = super::data_dir().join("az-help");
    for module in std::fs::read_dir(&root).ok()?.flatten() {
        for f in std::fs::read_dir(module.path()).ok()?.flatten() {
            let file = f.file_name().to_string_lossy().into_owned();
            if file
                .strip_suffix(".md")
                .is_some_and(|stem| stem.eq_ignore_ascii_case(name))
            {
                return Some(f.path());
            }
        }
    }
    None
}

pub fn cmdlet(name: &str) -> Option<Cmdlet> {
    let key = name.to_ascii_lowercase();
    if let Some(c) = CACHE.lock().expect("lock").get(&key) {
        return c.clone();
    }
    let parsed = help_file(name)
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| parse(&t));
    CACHE.lock().expect("lock").insert(key, parsed.clone());
    parsed
}

/// Named like an Az cmdlet (`Verb-AzNoun`), whether or not its help has a copy: such a call must
/// be checked, so a missing copy has to fail rather than skip the check.
pub fn looks_like_az(name: &str) -> bool {
    name.split_once('-').is_some_and(|(verb, noun)| {
        !verb.is_empty()
            && verb.chars().all(|c| c.is_ascii_alphabetic())
            && noun.chars().all(|c| c.is_ascii_alphanumeric())
            && noun.len() > 2
            && noun[..2].eq_ignore_ascii_case("az")
    })
}

fn parse(text: &str) -> Cmdlet {
    let mut sets = Vec::new();
    let mut in_syntax = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_syntax = line.trim() == "## SYNTAX";
        } else if in_syntax {
            if let Some(h) = line.strip_prefix("### ") {
                sets.push(h.trim().trim_end_matches("(Default)").trim().to_owned());
            }
        }
    }
    if sets.is_empty() {
        sets.push("__AllParameterSets".to_owned());
    }
    let mut params: Vec<Param> = Vec::new();
    let params_text = text.split("\n## PARAMETERS").nth(1).unwrap_or_default();
    let params_text = params_text.split("\n## ").next().unwrap_or_default();
    for chunk in params_text.split("\n### -").skip(1) {
        let name = chunk.lines().next().unwrap_or_default().trim().to_owned();
        let mut p = Param {
            name: name.clone(),
            aliases: Vec::new(),
            switch: false,
            accepted: Vec::new(),
            membership: Vec::new(),
        };
        for yaml in chunk.split("```yaml").skip(1) {
            let body = yaml.split("```").next().unwrap_or_default();
            let field = |k: &str| {
                body.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            p.switch = field("Type:").ends_with("SwitchParameter");
            p.accepted.extend(
                field("Accepted values:")
                    .split(',')
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty()),
            );
            let aliases = field("Aliases:");
            p.aliases.extend(
                aliases
                    .split(',')
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty()),
            );
            let set_list = field("Parameter Sets:");
            let sets_of = if set_list == "(All)" {
                Vec::new()
            } else {
                set_list.split(',').map(|s| s.trim().to_owned()).collect()
            };
            p.membership
                .push((sets_of, field("Required:").eq_ignore_ascii_case("True")));
        }
        if name.eq_ignore_ascii_case("ProgressAction") {
            continue;
        }
        params.push(p);
    }
    Cmdlet { sets, params }
}

fn find<'a>(c: &'a Cmdlet, given: &str) -> Option<&'a Param> {
    c.params.iter().find(|p| {
        p.name.eq_ignore_ascii_case(given)
            || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(given))
    })
}

fn in_set(p: &Param, set: &str) -> Option<bool> {
    p.membership
        .iter()
        .find(|(sets, _)| sets.is_empty() || sets.iter().any(|s| s == set))
        .map(|(_, req)| *req)
}

/// The value of an argument that is one single-quoted literal (`'RSA-OAEP'`), quotes undoubled;
/// `None` for anything computed at run time, which only PowerShell can check.
fn single_literal(arg: &str) -> Option<String> {
    let inner = arg.strip_prefix('\'')?.strip_suffix('\'')?;
    let lone_quote = inner.replace("''", "").contains('\'');
    (!lone_quote).then(|| inner.replace("''", "'"))
}

pub fn check_invocation(inv: &Invocation) -> Result<(), Vec<String>> {
    let at = format!("line {}: `{}`", inv.line, inv.name);
    let Some(c) = cmdlet(&inv.name) else {
        return Err(vec![format!("{at}: no such cmdlet in tests/data/az-help")]);
    };
    let mut problems = Vec::new();
    if inv.positional > 0 {
        problems.push(format!(
            "{at}: {} positional argument(s); name every parameter",
            inv.positional
        ));
    }
    let mut given = Vec::new();
    for (name, value) in &inv.params {
        if COMMON.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            continue;
        }
        match find(&c, name) {
            None => problems.push(format!("{at}: unknown parameter `-{name}`")),
            Some(p) => {
                match (p.switch, value) {
                    (true, ParamValue::Value(v)) => {
                        problems.push(format!("{at}: `-{name}` is a switch but is given `{v}`"))
                    }
                    (false, ParamValue::Switch) => {
                        problems.push(format!("{at}: `-{name}` needs a value"))
                    }
                    (false, ParamValue::Value(v)) => {
                        if let Some(lit) = single_literal(v) {
                            if !p.accepted.is_empty()
                                && !p.accepted.iter().any(|a| a.eq_ignore_ascii_case(&lit))
                            {
                                problems.push(format!(
                                    "{at}: `-{name} {v}` is not among the accepted values {:?}",
                                    p.accepted
                                ));
                            }
                        }
                    }
                    _ => {}
                }
                given.push(p);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let fits: Vec<&String> = c
        .sets
        .iter()
        .filter(|set| given.iter().all(|p| in_set(p, set).is_some()))
        .filter(|set| {
            c.params
                .iter()
                .filter(|p| in_set(p, set) == Some(true))
                .all(|req| given.iter().any(|g| g.name == req.name))
        })
        .collect();
    if fits.is_empty() {
        let names: Vec<&str> = given.iter().map(|p| p.name.as_str()).collect();
        return Err(vec![format!("{at}: parameters {names:?} fit no parameter set (or miss its mandatory parameters); sets: {:?}", c.sets)]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::powershell::parse_script;
    use super::*;

    fn check(src: &str) -> Result<(), Vec<String>> {
        let s = parse_script(src).expect("parses");
        check_invocation(&s.commands[0])
    }

    #[test]
    fn real_signatures_pass() {
        check("Set-AzVMDiskEncryptionExtension -ResourceGroupName $g -VMName $n -DiskEncryptionKeyVaultUrl $u -DiskEncryptionKeyVaultId $i -VolumeType 'All' -SkipVmBackup -Force\n").expect("single pass");
        check("Set-AzVMOSDisk -VM $vm -ManagedDiskId 'x' -CreateOption 'Attach' -Windows\n")
            .expect("attach");
    }

    #[test]
    fn wrong_calls_fail() {
        check("Set-AzVMDiskEncryptionExtension -ResourceGroupName $g -VMName $n -AadClientID $c -DiskEncryptionKeyVaultUrl $u -DiskEncryptionKeyVaultId $i\n").expect_err("AAD id without secret");
        check("Set-AzVMOSDisk -VM $vm -ManagedDiskId 'x' -Bogus 'y'\n")
            .expect_err("unknown parameter");
        check("Set-AzVMOSDisk -VM $vm -Windows -Linux\n").expect_err("two sets");
        check("Add-AzVMDataDisk -VM $vm -Name 'd' -CreateOption 'Attach'\n")
            .expect_err("-Lun is mandatory");
        check("Invoke-Nothing -X 1\n").expect_err("no such cmdlet");
    }

    #[test]
    fn literal_arguments_must_be_accepted_values() {
        let call = |alg: &str| {
            format!("Set-AzVMDiskEncryptionExtension -ResourceGroupName $g -VMName $n -DiskEncryptionKeyVaultUrl $u -DiskEncryptionKeyVaultId $i -KeyEncryptionKeyUrl $k -KeyEncryptionKeyVaultId $kv -KeyEncryptionAlgorithm {alg}\n")
        };
        check(&call("'RSA-OAEP'")).expect("accepted");
        check(&call("'rsa1_5'")).expect("ValidateSet ignores case");
        check(&call("$algorithm")).expect("a variable is decided at run time");
        let e = check(&call("'RSA-OAEP-256'")).expect_err("not in the ValidateSet");
        assert!(e[0].contains("accepted values"), "{e:?}");
        check("Set-AzVMOSDisk -VM $vm -ManagedDiskId 'x' -CreateOption 'Attach' -Caching 'ReadWrite' -Windows\n").expect("accepted caching");
        check("Set-AzVMOSDisk -VM $vm -ManagedDiskId 'x' -CreateOption 'Attach' -Caching 'WriteBack' -Windows\n").expect_err("no such caching");
    }
}
