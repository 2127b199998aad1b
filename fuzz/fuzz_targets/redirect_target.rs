//! `safe_next`, which every `?next=` goes through: whatever comes in, what goes out is `/`
//! or the input unchanged, a path on this site that no browser reads as another host.
#![no_main]

use convene::web::safe_next;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(next) = std::str::from_utf8(data) else { return };
    let out = safe_next(Some(next));
    if out != "/" {
        assert_eq!(out, next);
        assert!(out.starts_with('/') && !out.starts_with("//"), "{out:?}");
        assert!(!out.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\'), "{out:?}");
        assert!(out.parse::<http::Uri>().is_ok(), "{out:?}");
    }
});
