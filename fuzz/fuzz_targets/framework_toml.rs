//! The framework parser stewards feed: any text either parses into a framework within the
//! limits that round-trips through TOML, or is refused — it never panics.
#![no_main]

use convene::domain::framework::Framework;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(fw) = Framework::from_toml(text) {
        let again = Framework::from_toml(&fw.to_toml()).expect("a valid framework round-trips");
        assert_eq!(again, fw);
    }
});
