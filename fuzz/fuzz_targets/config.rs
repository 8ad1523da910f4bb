//! `format::parse_config` on arbitrary bytes: Ok or Err, never a panic;
//! errors never repeat a value; what parses survives a write and re-read.
#![no_main]

use agent_secrets_core::format::{parse_config, to_bytes};
use agent_secrets_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_config(data) {
        Ok(doc) => {
            // What the reader accepts, the writer writes back identically.
            let again = parse_config(&to_bytes(&doc)).expect("a parsed config re-parses");
            assert_eq!(again, doc);
        }
        Err(e) => check_error(&[data], &e),
    }
});
