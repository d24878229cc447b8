//! The whole pipeline: bytes split into config blob, job details and encryption-info blob →
//! model → both formats. Whatever the bytes, no panic, and any output that is produced is
//! well-formed JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use restore_deploy::cli::Format;
use restore_deploy::model::Overrides;
use restore_deploy::source::Loaded;

fuzz_target!(|data: &[u8]| {
    // Inputs are separated by a 0xFF 0x00 0xFF marker, which no JSON text contains.
    let mut parts = split(data, &[0xFF, 0x00, 0xFF]).into_iter();
    let loaded = |b: &[u8]| Loaded { origin: "fuzz".into(), bytes: b.to_vec() };
    let config = loaded(parts.next().unwrap_or_default());
    let job = parts.next().map(loaded);
    let info = parts.next().map(loaded);
    let Ok(inputs) = restore_deploy::inputs_from_bytes(&config, job.as_ref(), info.as_ref(), Overrides::default()) else {
        return;
    };
    let Ok(restore) = restore_deploy::model::build(&inputs) else { return };
    for format in [Format::Arm, Format::Powershell] {
        let plan = restore_deploy::plan(&restore, format).expect("a valid model always renders");
        for f in &plan.files {
            if f.name.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&f.text).expect("rendered JSON parses");
            }
        }
    }
});

fn split<'a>(data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        out.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    out.push(rest);
    out
}
