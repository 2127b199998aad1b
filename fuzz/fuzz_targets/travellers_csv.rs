//! The planner's participant list (CSV from a steward or the command line): any bytes give
//! travellers or a row-by-row error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(travellers) = convene::planner::read_travellers(data) {
        for t in travellers {
            assert!(t.weight >= 1, "a traveller stands for at least one person");
        }
    }
});
