//! Bytes → decoded, strictly parsed, normalised config blob → raw serde types → model.
#![no_main]
use libfuzzer_sys::fuzz_target;
use restore_deploy::model::Overrides;
use restore_deploy::source::Loaded;

fuzz_target!(|data: &[u8]| {
    let config = Loaded { origin: "fuzz".into(), bytes: data.to_vec() };
    if let Ok(inputs) = restore_deploy::inputs_from_bytes(&config, None, None, Overrides::default()) {
        let _ = restore_deploy::model::build(&inputs);
    }
});
