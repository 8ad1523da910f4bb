//! `format::parse_service("openai", …)` on arbitrary bytes: Ok or Err,
//! never a panic; errors never repeat a value; round trip of what parses.
#![no_main]

use agent_secrets_core::format::{parse_service, to_bytes};
use agent_secrets_core::ServiceName;
use agent_secrets_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let openai = ServiceName::parse("openai").expect("a valid name");
    match parse_service(&openai, data) {
        Ok(doc) => {
            assert_eq!(doc.service, openai);
            let again =
                parse_service(&openai, &to_bytes(&doc)).expect("a parsed service re-parses");
            assert_eq!(again, doc);
        }
        Err(e) => check_error(&[data], &e),
    }
});
