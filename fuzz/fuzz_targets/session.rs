//! The session protocol's parsers and the agent's decisions, on arbitrary
//! bytes: `frame_body`, `parse_request`, `parse_response`, then
//! `session::Agent::answer` as the agent runs it on whatever a client sends.
//! Rules checked besides "no panic":
//! - what parses is canonical: encoding it again gives the same bytes;
//! - the agent hands out the key only for a key request naming its own
//!   vault key id and vault path, and no other answer carries the key;
//! - every answer the agent gives encodes within the size cap and parses
//!   back to itself; a start message on the socket is refused, never obeyed;
//! - refusal messages never repeat the input (fixed text only).
#![no_main]

use agent_secrets_core::session::{
    self, encode_request, encode_response, frame_body, parse_request, parse_response, After, Agent,
    Limits, Request, Response, Start, MAX_BODY,
};
use agent_secrets_fuzz::{assert_no_value_in, FUZZ_VAULT_KEY, FUZZ_VAULT_KEY_ID};
use libfuzzer_sys::fuzz_target;

const PATH: &[u8] = b"/home/fuzz/project/.agent/secrets";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn check_body(body: &[u8]) {
    match parse_request(body) {
        Ok(request) => {
            let frame = encode_request(&request).expect("a parsed request encodes");
            assert_eq!(&frame[session::HEADER..], body, "requests are canonical");
        }
        Err(e) => {
            assert_no_value_in(&[body], &e.to_string());
            assert_no_value_in(&[body], &format!("{e:?}"));
        }
    }
    match parse_response(body) {
        Ok(response) => {
            let frame = encode_response(&response);
            assert_eq!(&frame[session::HEADER..], body, "responses are canonical");
        }
        Err(e) => assert_no_value_in(&[body], &e.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    // A whole frame, and the bytes as a bare body.
    if let Ok(body) = frame_body(data) {
        assert!(body.len() <= MAX_BODY);
        check_body(body);
    }
    check_body(data);

    // The agent, answering these bytes as a request at a few instants.
    let key = FUZZ_VAULT_KEY;
    let start = Start {
        id: FUZZ_VAULT_KEY_ID,
        key: &key,
        limits: Limits {
            idle_seconds: 60,
            max_seconds: 3600,
        },
        path: PATH,
    };
    for now_ms in [0u64, 59_999, 60_000, u64::MAX] {
        let mut agent = Agent::new(&start, 0);
        let request = parse_request(data).ok();
        let (response, after) = agent.answer(data, &key, now_ms, 7, true);
        let frame = encode_response(&response);
        assert!(frame.len() <= MAX_BODY + session::HEADER);
        let body = &frame[session::HEADER..];
        let again = parse_response(body).expect("the agent's answers parse");
        assert_eq!(again, response);
        let gave_key = contains(&frame, &key);
        match response {
            Response::Key { id, key: k, .. } => {
                assert!(now_ms < 60_000, "an expired session hands out nothing");
                assert_eq!((id, *k), (FUZZ_VAULT_KEY_ID, key));
                assert!(matches!(
                    request,
                    Some(Request::Key { id, path }) if id == FUZZ_VAULT_KEY_ID && path == PATH
                ));
                assert_eq!(after, After::Continue);
            }
            _ => assert!(!gave_key, "only a key answer carries the key"),
        }
        if let Some(Request::Start(_)) = request {
            assert!(matches!(
                response,
                Response::Refused(session::Refusal::NotOnSocket) | Response::Locked
            ));
        }
        if after == After::Exit {
            assert_eq!(response, Response::Locked);
        }
    }
});
