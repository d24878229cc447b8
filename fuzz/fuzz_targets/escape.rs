//! Every input string through each output's escaping: nothing hazardous comes out raw, and the
//! value reads back exactly (PowerShell literal syntax decoded here, JSON through serde_json).
#![no_main]
use libfuzzer_sys::fuzz_target;
use restore_deploy::error::{is_hazard, shown};
use restore_deploy::render::{ps_quote, to_json_pretty};

/// Read back `'...'` or `('...' + [char]0x.... + ...)` as PowerShell would.
fn ps_value(lit: &str) -> Option<String> {
    let inner = lit.strip_prefix('(').and_then(|l| l.strip_suffix(')')).unwrap_or(lit);
    let mut out = String::new();
    let mut rest = inner;
    loop {
        if let Some(r) = rest.strip_prefix("[char]0x") {
            let hex: String = r.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            rest = &r[hex.len()..];
        } else {
            let r = rest.strip_prefix('\'')?;
            let mut chars = r.char_indices().peekable();
            let end = loop {
                let (i, c) = chars.next()?;
                if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
                    match chars.peek() {
                        Some((_, d)) if *d == c => {
                            out.push(c);
                            chars.next();
                        }
                        _ => break i + c.len_utf8(),
                    }
                } else {
                    out.push(c);
                }
            };
            rest = &r[end..];
        }
        match rest.strip_prefix(" + ") {
            Some(r) => rest = r,
            None => return rest.is_empty().then_some(out),
        }
    }
}

fuzz_target!(|s: &str| {
    let ps = ps_quote(s);
    assert!(!ps.chars().any(is_hazard), "raw hazard in {ps:?}");
    assert_eq!(ps_value(&ps).as_deref(), Some(s), "{ps:?}");
    let json = to_json_pretty(&serde_json::Value::String(s.to_owned())).expect("prints");
    assert!(!json.chars().any(is_hazard), "raw hazard in {json:?}");
    let back: serde_json::Value = serde_json::from_str(&json).expect("parses");
    assert_eq!(back.as_str(), Some(s));
    assert!(!shown(s).chars().any(is_hazard));
});
