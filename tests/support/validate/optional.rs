//! Optional script parameters that are empty by default (`[string] $X = ''`): no run of the script
//! may hand an empty one to a command. `-EncryptionInfo`, `-NetworkInterfaceName`, `-VMName` and the
//! network names are all optional with an empty default, and an empty value reaching a cmdlet
//! (`-Name ''`, a blob path of `''`) fails late or reads the wrong resource. Each use of such a
//! parameter, after its declaration, must be one of:
//! - its default, filled at the top level: `if (-not $X) { $X = <something not empty> }`; every use
//!   after it passes;
//! - a test: a line that starts `if ($X` (or a line inside the block such a test opens);
//! - a message: a `throw` line;
//! - the argument of a function of the script whose body first stops on an empty value:
//!   `F -P $X` where `F` starts `if (-not $P) { throw ... }` within its first lines.
//!
//! Line-based, as the other script rules: the generated scripts are laid out one statement per line
//! with four-space indents, and a block ends at the `}` of its opening line's indent.

/// The names declared `[string] $X = ''` in the script's parameter blocks.
fn empty_defaults(lines: &[&str]) -> Vec<(usize, String)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let rest = l.trim_start().strip_prefix("[string] $")?;
            let (name, tail) = rest.split_once(' ')?;
            matches!(tail.trim_end(), "= ''," | "= ''").then(|| (i, name.to_owned()))
        })
        .collect()
}

/// Whether `line` mentions `$name` as a whole variable (not `$nameSuffix`).
fn mentions(line: &str, name: &str) -> bool {
    let needle = format!("${name}");
    line.match_indices(&needle).any(|(at, _)| {
        !line[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The functions of the script whose parameter `p` is stopped when empty before anything else:
/// `(function, parameter)` pairs.
fn guarded_functions(lines: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.trim_start().strip_prefix("function ") else {
            continue;
        };
        let name = rest.trim_end_matches(['{', ' ']).to_owned();
        for g in lines.iter().skip(i + 1).take(4) {
            let g = g.trim_start();
            if let Some(p) = g.strip_prefix("if (-not $") {
                if let Some((param, tail)) = p.split_once(')') {
                    if tail.trim_start().starts_with("{ throw ") {
                        out.push((name.clone(), param.to_owned()));
                    }
                }
            }
        }
    }
    out
}

/// Every use of every empty-default parameter of `script` is filled, tested, a message, or passed
/// to a guarded function. Returns how many uses were checked.
pub fn empty_defaults_are_filled_or_guarded(script: &str) -> Result<usize, String> {
    let lines: Vec<&str> = script.lines().collect();
    let guarded = guarded_functions(&lines);
    let mut checked = 0;
    for (decl, name) in empty_defaults(&lines) {
        let filling = format!("if (-not ${name}) {{ ${name} = ");
        let test = format!("if (${name}");
        let mut filled = false;
        // The indent of the innermost open block a test of the parameter opened.
        let mut guard: Option<usize> = None;
        for (i, l) in lines.iter().enumerate().skip(decl + 1) {
            let t = l.trim_start();
            if let Some(at) = guard {
                if indent(l) <= at && t.starts_with('}') {
                    guard = None;
                    continue;
                }
            }
            if !mentions(l, &name) {
                continue;
            }
            checked += 1;
            if filled || guard.is_some() || t.starts_with("throw") {
                continue;
            }
            if indent(l) == 0 && t.starts_with(&filling) {
                let value = t[filling.len()..].trim_end_matches([' ', '}']);
                if value.is_empty() || value == "''" {
                    return Err(format!("line {}: ${name} is filled with nothing", i + 1));
                }
                filled = true;
                continue;
            }
            if t.starts_with(&test) {
                if t.ends_with('{') {
                    guard = Some(indent(l));
                }
                continue;
            }
            let passed = guarded
                .iter()
                .any(|(f, p)| t.contains(&format!("{f} -{p} ${name}")));
            if !passed {
                return Err(format!(
                    "line {}: ${name} is empty by default and reaches `{}` without a default, a test or a guarded function",
                    i + 1,
                    t.chars().take(100).collect::<String>()
                ));
            }
        }
    }
    Ok(checked)
}
