//! The commands a script prints for a person to paste (the deploy command `prepare.ps1` ends with,
//! the fix commands in its errors and warnings) carry values from the inputs and from Azure. Each
//! such value must reach the printed line through the quoting function of the shell the line is
//! for, `ConvertTo-BashLiteral` for an `az` line and `ConvertTo-PsLiteral` for an Az cmdlet, never
//! by pasting it between hand-written quotes (attack run 2, S2 and S3: a group `rg';touch x;'`
//! printed as `--resource-group 'rg';touch x;''` ran `touch` in bash).
//!
//! Read from the script text: every single-quoted format string followed by `-f` is a printed
//! text; a `{n}` placeholder after a parameter (`-Name {2}`, `--resource-group {0}`) or after
//! `=` (`key={1}` for `az --parameters`) is a value in a command.

/// A single-quoted literal of a line: where its content starts, where the literal ends, and the
/// content with `''` read as `'`.
struct Literal {
    end: usize,
    text: String,
}

/// The single-quoted literals of one line, outside double-quoted strings and comments.
fn literals(line: &str) -> Vec<Literal> {
    let b: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '#' => break,
            '"' => {
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '`' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                while i < b.len() {
                    if b[i] == '\'' {
                        if b.get(i + 1) == Some(&'\'') {
                            text.push('\'');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    text.push(b[i]);
                    i += 1;
                }
                i += 1;
                out.push(Literal { end: i, text });
            }
            _ => i += 1,
        }
    }
    out
}

/// The arguments of `-f`: comma-separated, up to the `)` or `}` that closes the expression.
fn format_args(rest: &[char]) -> Vec<String> {
    let mut args = vec![String::new()];
    let (mut depth, mut i) = (0i32, 0);
    while i < rest.len() {
        let c = rest[i];
        match c {
            '\'' => {
                let start = i;
                i += 1;
                while i < rest.len() {
                    if rest[i] == '\'' {
                        if rest.get(i + 1) == Some(&'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                let end = (i + 1).min(rest.len());
                args.last_mut()
                    .expect("one argument")
                    .extend(&rest[start..end]);
                i = end;
                continue;
            }
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => {
                depth -= 1;
                if depth < 0 {
                    break;
                }
            }
            ',' if depth == 0 => {
                args.push(String::new());
                i += 1;
                continue;
            }
            _ => {}
        }
        args.last_mut().expect("one argument").push(c);
        i += 1;
    }
    args.into_iter().map(|a| a.trim().to_owned()).collect()
}

/// Every value in a printed command goes through the quoting function of its shell.
pub fn check_printed_commands_quote_values(script: &str) -> Result<(), Vec<String>> {
    let assigned_through = |var: &str, function: &str| {
        script.lines().any(|l| {
            l.trim_start()
                .strip_prefix(var)
                .is_some_and(|r| r.trim_start().starts_with('=') && r.contains(function))
        })
    };
    let mut problems = Vec::new();
    for (n, line) in script.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        for lit in literals(line) {
            let after: String = chars[lit.end.min(chars.len())..].iter().collect();
            let Some(args) = after.trim_start().strip_prefix("-f ") else {
                continue;
            };
            let args = format_args(&args.chars().collect::<Vec<_>>());
            let fmt = &lit.text;
            let az_line = fmt.trim_start().starts_with("az ") || fmt.contains(" az ");
            for (pos, _) in fmt.match_indices('{') {
                let Some(index) = fmt[pos + 1..]
                    .split_once('}')
                    .and_then(|(d, _)| d.parse::<usize>().ok())
                else {
                    continue;
                };
                let prefix = &fmt[..pos];
                let hand_quoted = prefix.ends_with('\'') || prefix.ends_with("'@");
                let bare = prefix.trim_end_matches(['\'', '@']);
                let after_equals = bare.ends_with('=');
                let after_parameter = bare.ends_with(' ')
                    && bare
                        .split_whitespace()
                        .last()
                        .is_some_and(|t| t.len() > 1 && t.starts_with('-'));
                if !(after_equals || after_parameter) {
                    continue;
                }
                let at = format!("line {}: `{{{index}}}` in `{}`", n + 1, fmt.trim());
                if hand_quoted {
                    problems.push(format!(
                        "{at} sits between hand-written quotes: a quote in the value ends the word; pass the value through the shell's quoting function instead"
                    ));
                    continue;
                }
                let function = if az_line || after_equals {
                    "ConvertTo-BashLiteral"
                } else {
                    "ConvertTo-PsLiteral"
                };
                let arg = args.get(index).map(String::as_str).unwrap_or_default();
                let quoted = arg.starts_with(&format!("({function} "))
                    || (arg.starts_with('$')
                        && !arg.contains(['.', '[', '('])
                        && assigned_through(arg, function))
                    || (arg.starts_with("'<")
                        && arg.ends_with(">'")
                        && !arg[1..arg.len() - 1].contains('\''));
                if !quoted {
                    problems.push(format!(
                        "{at} prints `{arg}` without {function}: a value from the inputs could run as code when the line is pasted"
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_in_a_printed_command_is_quoted_for_its_shell() {
        let good = "Write-Host ('  az group show --name {0}' -f (ConvertTo-BashLiteral -Value $G))\nWrite-Host ('  Get-AzResourceGroup -Name {0}' -f (ConvertTo-PsLiteral -Value $G))\n";
        check_printed_commands_quote_values(good).expect("quoted");
        // The deploy command before the fix (S2) and a fix command before it (S3).
        let s2 = "Write-Host ('  az deployment group create --resource-group ''{0}'' --parameters ''@{2}'' {3}' -f $ResourceGroupName, $t, $p, $azArguments)\n";
        let e = check_printed_commands_quote_values(s2).expect_err("S2");
        assert_eq!(e.len(), 2, "{e:?}");
        let s3 = "throw ('gone. Recover it: Undo-AzKeyVaultSecretRemoval -VaultName ''{1}'' -Name ''{2}''. {3}' -f $u, $r.Vault, $r.Name, $x)\n";
        assert_eq!(
            check_printed_commands_quote_values(s3)
                .expect_err("S3")
                .len(),
            2
        );
        let wrong_shell =
            "Write-Host ('  az group show --name {0}' -f (ConvertTo-PsLiteral -Value $G))\n";
        check_printed_commands_quote_values(wrong_shell)
            .expect_err("PowerShell quoting on a bash line");
        let unquoted = "throw ('run Set-AzContext -Subscription {1}' -f $a, $parts[2])\n";
        check_printed_commands_quote_values(unquoted).expect_err("bare");
        let prose =
            "throw ('key vault ''{0}'' is in subscription {1}: KEK {2} exists' -f $a, $b, $c)\n";
        check_printed_commands_quote_values(prose).expect("prose is no command");
        let built = "$azArguments = ($k | ForEach-Object { '{0}={1}' -f $_, (ConvertTo-BashLiteral -Value $v[$_]) }) -join ' '\n";
        check_printed_commands_quote_values(built).expect("a key=value word");
        let built_bad = "$azArguments = ($k | ForEach-Object { '{0}=''{1}''' -f $_, $v[$_].Replace('''', '''\\''''') }) -join ' '\n";
        check_printed_commands_quote_values(built_bad).expect_err("hand-quoted");
    }
}
