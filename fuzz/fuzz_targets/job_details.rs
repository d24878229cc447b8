//! Bytes → the restore job's details in any of its shapes, and its recovery point time.
#![no_main]
use libfuzzer_sys::fuzz_target;
use restore_deploy::source::Loaded;

fuzz_target!(|data: &[u8]| {
    let job = Loaded { origin: "fuzz".into(), bytes: data.to_vec() };
    if let Ok(doc) = restore_deploy::input::parse_json(&job, "job") {
        if let Ok(j) = restore_deploy::input::job::parse(&doc, "fuzz") {
            if let Some(t) = j.recovery_point_time {
                let _ = restore_deploy::model::time::parse(&t);
            }
        }
    }
});
