//! The merge driver's core on arbitrary input: the bytes split at the
//! first two `\0` into base, ours and theirs, merged as `openai.json` and
//! as `config.json` (`merge::merge_file`), and parsed as a service
//! conflict document (`format::parse_service_conflict`). Ok or Err, never
//! a panic; a clean merge parses as a normal document, a conflict as a
//! conflict document that every reader refuses, an unmergeable side gives
//! bytes no reader accepts; every resolve of a conflict leaves a document
//! that parses (or removal); errors never repeat a value.
#![no_main]

use agent_secrets_core::format::{parse_config, parse_service, parse_service_conflict, to_bytes};
use agent_secrets_core::merge::{self, MergeOutcome, Resolved, Side};
use agent_secrets_core::{ErrorKind, ServiceName};
use agent_secrets_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let openai = ServiceName::parse("openai").expect("a valid name");
    match parse_service_conflict(&openai, data) {
        Ok(doc) => {
            let again = parse_service_conflict(&openai, &to_bytes(&doc)).expect("re-parses");
            assert_eq!(again, doc);
            let refused = parse_service(&openai, data).expect_err("a reader refuses it");
            assert_eq!(refused.kind(), ErrorKind::Conflict);
        }
        Err(e) => check_error(&[data], &e),
    }
    let mut parts = data.splitn(3, |b| *b == 0);
    let (Some(base), Some(ours), Some(theirs)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let base = (!base.is_empty()).then_some(base);
    match merge::merge_file("openai.json", base, ours, theirs) {
        MergeOutcome::Clean(out) => {
            parse_service(&openai, &out).expect("a clean merge parses");
        }
        MergeOutcome::Conflict(out) => {
            let doc = parse_service_conflict(&openai, &out).expect("a conflict document parses");
            for key in doc.conflicts.keys() {
                for side in [Side::Ours, Side::Theirs] {
                    match merge::resolve_service(&openai, &out, key, side).expect("resolves") {
                        Resolved::StillInConflict(b) => {
                            parse_service_conflict(&openai, &b).expect("still a conflict document");
                        }
                        Resolved::Service(b) => {
                            parse_service(&openai, &b).expect("a normal document");
                        }
                        Resolved::Remove => {}
                    }
                }
            }
        }
        MergeOutcome::Unmergeable(out) => {
            assert!(parse_service(&openai, &out).is_err());
        }
        other => panic!("a service merge gave {other:?}"),
    }
    match merge::merge_file("config.json", base, ours, theirs) {
        MergeOutcome::Clean(out) => {
            parse_config(&out).expect("a clean config merge parses");
        }
        MergeOutcome::ConfigBothChanged => {
            if let MergeOutcome::Conflict(out) = merge::config_conflict(base, ours, theirs) {
                let refused = parse_config(&out).expect_err("a reader refuses it");
                assert_eq!(refused.kind(), ErrorKind::Conflict);
                for side in [Side::Ours, Side::Theirs] {
                    let taken = merge::resolve_config(&out, side).expect("resolves");
                    parse_config(&taken).expect("the side parses");
                }
            }
        }
        MergeOutcome::Unmergeable(out) => assert!(parse_config(&out).is_err()),
        other => panic!("a config merge gave {other:?}"),
    }
});
