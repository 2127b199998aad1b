//! The story form parser every member and answer-link holder reaches: any body either
//! parses into one step per cycle or is refused for its field count — never a panic.
#![no_main]

use convene::domain::framework::preset;
use convene::web::FormState;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fw = preset("wt-2020").expect("shipped preset");
    match FormState::parse(data, fw) {
        Ok(form) => assert_eq!(form.steps.len(), fw.cycles.len()),
        Err(max) => assert_eq!(max, FormState::max_fields(fw)),
    }
});
