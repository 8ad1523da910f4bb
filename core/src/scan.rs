//! Finding leaked secrets in text: copies of the vault's own values, and
//! well-known key patterns. Pure: bytes in, findings out; the front end
//! chooses and reads the files.
//!
//! # Values
//!
//! Each value of at least [`MIN_VALUE_LEN`] bytes is searched in these forms:
//!
//! - [`Form::Exact`]: its UTF-8 bytes;
//! - [`Form::UrlEncoded`]: percent-encoded (everything but `A-Z a-z 0-9 - . _ ~`,
//!   upper- and lower-case hex), when that differs from the exact form;
//! - [`Form::Base64`]: the characters that encode the value alone, in the
//!   standard and the URL-safe alphabet, at each of the three byte
//!   alignments, so that the value is found whether it was encoded on its
//!   own or inside a larger encoded blob (a base64-encoded `.env`, a
//!   Kubernetes secret);
//! - [`Form::Hex`]: two hex digits a byte, lower or upper case.
//!
//! The exact and URL-encoded forms are searched in the text as it is. The
//! base64 and hex forms are searched in the text with every space, tab, CR
//! and LF taken out, so that a copy is found however it was wrapped or
//! spaced: `base64` (76 columns), PEM and `openssl base64` (64), with LF or
//! CRLF, wherever the line breaks fall in the copy; a YAML block indented
//! under its key; `xxd -p` (60 columns) or `od -An -tx1` (bytes apart). A
//! dump with offsets or a character column between the digits (`xxd`,
//! `hexdump -C`) is not a copy in this sense. A finding's line is the line
//! where the copy starts.
//!
//! Shorter values are not searched: they match too much ordinary text to
//! be worth a finding. [`ValueIndex::add`] says which were left out.
//!
//! The index keeps no copy of any form. It holds keyed SHA-256 digests
//! (a random key per index) of every form and of its first [`ANCHOR`]
//! bytes, and two bit tables (exact and URL-encoded; base64 and hex) in
//! which each anchor sets two bits, from two multiplicative hashes with
//! random multipliers. A search slides an [`ANCHOR`]-byte window over the
//! text; only where both bits are set is the window digested and looked
//! up, and only where the anchor digest matches
//! is the full length digested and compared. For the base64 and hex forms
//! the window holds the last [`ANCHOR`] bytes that are not blanks, and a
//! candidate is gathered the same way, so the text is never copied. The
//! encoded forms exist in memory only while [`ValueIndex::add`] runs, and
//! a candidate only while it is compared, in buffers wiped when dropped.
//!
//! # Patterns
//!
//! [`Pattern`] lists the key shapes recognised without the vault. A pattern
//! found inside a span that is already a value finding is not reported
//! again.

use std::collections::HashMap;

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Error;

/// Values shorter than this many bytes are not searched.
pub const MIN_VALUE_LEN: usize = 8;
/// Bytes of the window the search slides over the text; every searched
/// form is at least this long.
pub const ANCHOR: usize = 8;
/// A file whose first this-many bytes hold a NUL byte is treated as binary.
pub const BINARY_PROBE: usize = 8192;
/// log2 of the number of bits in an anchor table: 128 KiB, which stays in
/// the L2 cache (a 512 KiB table made the search twice as slow). Each
/// anchor sets two bits (a Bloom filter with two hash functions): with the
/// ~9,000 base64 and hex forms of 1,000 values, about 0.03% of windows
/// pass both and are digested (one bit let 0.9% through, and the digests
/// of those cost more than the rest of the search).
const TABLE_BITS: u32 = 20;

/// In which form a value was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// The value's own bytes.
    Exact,
    /// Base64, standard or URL-safe alphabet, alone or inside a larger
    /// blob, on one line or wrapped.
    Base64,
    /// Percent-encoded.
    UrlEncoded,
    /// Hex, lower or upper case, with or without blanks between the digits.
    Hex,
}

impl Form {
    /// The name used in reports: `exact`, `base64`, `urlencoded`, `hex`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Base64 => "base64",
            Self::UrlEncoded => "urlencoded",
            Self::Hex => "hex",
        }
    }

    /// Whether this form is searched in the text with its blanks taken out.
    fn spread(self) -> bool {
        matches!(self, Self::Base64 | Self::Hex)
    }
}

/// A well-known key shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    /// `sk-` then at least 40 of `A-Z a-z 0-9 _ -` mixing upper case, lower
    /// case and digits (legacy, `sk-proj-`, `sk-svcacct-` keys); not `sk-ant-`.
    OpenAi,
    /// `sk-ant-` then at least 40 of `A-Z a-z 0-9 _ -`, mixed as above.
    Anthropic,
    /// `AKIA` then 16 of `A-Z 0-9`, standing alone (AWS's documented
    /// example keys, ending in `EXAMPLE`, excepted).
    AwsAccessKeyId,
    /// Three base64url parts separated by dots, the first two starting with
    /// `eyJ` (a JSON object): a JWT, such as a Supabase anon or service key.
    Jwt,
}

impl Pattern {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::OpenAi => "openai-api-key",
            Self::Anthropic => "anthropic-api-key",
            Self::AwsAccessKeyId => "aws-access-key-id",
            Self::Jwt => "jwt",
        }
    }
}

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum What {
    /// A copy of the value added under `id`, in `form`.
    Value {
        /// The id given to [`ValueIndex::add`].
        id: usize,
        /// How it was written.
        form: Form,
    },
    /// A well-known key shape.
    Pattern(Pattern),
}

/// One finding: a line (1-based) and what is on it. Never the text itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finding {
    /// 1-based line number.
    pub line: usize,
    /// What was found.
    pub what: What,
}

#[derive(Debug)]
struct Entry {
    len: usize,
    digest: [u8; 32],
    id: usize,
    form: Form,
}

/// The forms searched one way: two bits per anchor, and the entries by
/// anchor digest.
struct Table {
    bits: Vec<u64>,
    anchors: HashMap<u64, Vec<Entry>>,
    /// The longest form's length.
    longest: usize,
}

impl Table {
    fn new() -> Self {
        Self {
            bits: vec![0; (1 << TABLE_BITS) / 64],
            anchors: HashMap::new(),
            longest: 0,
        }
    }
}

/// The searchable form of a set of values (see the module documentation).
pub struct ValueIndex {
    key: Zeroizing<[u8; 32]>,
    /// The odd multipliers of the two bit hashes.
    multipliers: [u64; 2],
    /// Exact and URL-encoded forms, searched in the text as it is.
    plain: Table,
    /// Base64 and hex forms, searched in the text without blanks.
    spread: Table,
    forms: usize,
}

impl core::fmt::Debug for ValueIndex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ValueIndex({} forms)", self.forms)
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn percent_encode(value: &[u8], upper: bool) -> Zeroizing<Vec<u8>> {
    let hex: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() * 3));
    for &b in value {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', hex[usize::from(b >> 4)], hex[usize::from(b & 15)]]);
        }
    }
    out
}

fn hex_encode(value: &[u8], upper: bool) -> Zeroizing<Vec<u8>> {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() * 2));
    for &b in value {
        out.extend_from_slice(&[digits[usize::from(b >> 4)], digits[usize::from(b & 15)]]);
    }
    out
}

/// The bytes taken out of the text before the base64 and hex forms are
/// searched: space, tab, CR, LF.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Collects into `out` the first `len` bytes of `text[from..]` that are
/// not blanks, and returns where they end in `text`; `None` if the text
/// ends first. `out` never grows past its capacity when that is at least
/// `len` (no unwiped copy is left by a reallocation).
fn gather(text: &[u8], from: usize, len: usize, out: &mut Vec<u8>) -> Option<usize> {
    out.clear();
    for (pos, &b) in text.get(from..)?.iter().enumerate() {
        if is_blank(b) {
            continue;
        }
        out.push(b);
        if out.len() == len {
            return Some(from + pos + 1);
        }
    }
    None
}

/// The base64 characters that depend on `value` alone when it starts
/// `offset` bytes into a 3-byte group (0, 1 or 2).
fn base64_core(engine: &impl Engine, value: &[u8], offset: usize) -> Zeroizing<Vec<u8>> {
    let mut input = Zeroizing::new(vec![0u8; offset]);
    input.extend_from_slice(value);
    let encoded = Zeroizing::new(engine.encode(&*input));
    // Characters before `skip` carry bits of the preceding bytes; after the
    // last whole group, bits of the following ones.
    let skip = [0, 2, 3][offset];
    let end = input.len() / 3 * 4;
    Zeroizing::new(encoded.as_bytes()[skip.min(end)..end].to_vec())
}

impl ValueIndex {
    /// An empty index with fresh random keys.
    pub fn new() -> Result<Self, Error> {
        let key = Zeroizing::new(crate::crypto::random::<32>()?);
        let multipliers = [
            u64::from_le_bytes(crate::crypto::random::<8>()?) | 1,
            u64::from_le_bytes(crate::crypto::random::<8>()?) | 1,
        ];
        Ok(Self {
            key,
            multipliers,
            plain: Table::new(),
            spread: Table::new(),
            forms: 0,
        })
    }

    /// Number of searched forms (all values, all encodings).
    pub fn forms(&self) -> usize {
        self.forms
    }

    fn digest(&self, bytes: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(*self.key);
        h.update(bytes);
        h.finalize().into()
    }

    fn anchor_id(&self, anchor: &[u8]) -> u64 {
        let d = self.digest(anchor);
        u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }

    /// The word and the bit of `window` for the hash of `multiplier`.
    fn slot(window: u64, multiplier: u64) -> (usize, u64) {
        let bit = window.wrapping_mul(multiplier) >> (64 - TABLE_BITS);
        // TABLE_BITS < 32, so the index fits any usize.
        ((bit / 64) as usize, 1u64 << (bit % 64))
    }

    /// Whether both bits of `window` are set in `table` (the second is
    /// computed only when the first is).
    fn maybe(&self, table: &Table, window: u64) -> bool {
        self.multipliers.iter().all(|m| {
            let (word, mask) = Self::slot(window, *m);
            // `word` < bits.len() by construction; `get` keeps it panic-free.
            table.bits.get(word).is_some_and(|w| w & mask != 0)
        })
    }

    fn insert(&mut self, form_bytes: &[u8], id: usize, form: Form) {
        let Some(anchor) = form_bytes.first_chunk::<ANCHOR>() else {
            return;
        };
        let window = u64::from_le_bytes(*anchor);
        let entry = Entry {
            len: form_bytes.len(),
            digest: self.digest(form_bytes),
            id,
            form,
        };
        let anchor_id = self.anchor_id(anchor);
        let table = if form.spread() {
            &mut self.spread
        } else {
            &mut self.plain
        };
        for m in self.multipliers {
            let (word, mask) = Self::slot(window, m);
            table.bits[word] |= mask;
        }
        table.longest = table.longest.max(entry.len);
        let list = table.anchors.entry(anchor_id).or_default();
        if !list.iter().any(|e| e.digest == entry.digest && e.id == id) {
            list.push(entry);
            self.forms += 1;
        }
    }

    /// Adds a value under `id` (the caller's name for it). Returns `false`,
    /// and adds nothing, if it is shorter than [`MIN_VALUE_LEN`] bytes.
    pub fn add(&mut self, id: usize, value: &str) -> bool {
        let value = value.as_bytes();
        if value.len() < MIN_VALUE_LEN {
            return false;
        }
        self.insert(value, id, Form::Exact);
        for offset in 0..3 {
            let standard = base64_core(&STANDARD_NO_PAD, value, offset);
            self.insert(&standard, id, Form::Base64);
            let url_safe = base64_core(&URL_SAFE_NO_PAD, value, offset);
            if url_safe != standard {
                self.insert(&url_safe, id, Form::Base64);
            }
        }
        for upper in [true, false] {
            let encoded = percent_encode(value, upper);
            if *encoded != value {
                self.insert(&encoded, id, Form::UrlEncoded);
            }
            self.insert(&hex_encode(value, upper), id, Form::Hex);
        }
        true
    }

    /// Value copies in `text`: (start, end, what), in order of start.
    fn find_values(&self, text: &[u8]) -> Vec<(usize, usize, What)> {
        let mut hits = self.find_in(&self.plain, text);
        let spread = self.find_spread(text);
        if !spread.is_empty() {
            hits.extend(spread);
            hits.sort_by_key(|(start, _, _)| *start);
        }
        hits
    }

    /// The base64 and hex forms in `text` read as if its blanks were not
    /// there: the window holds the last [`ANCHOR`] bytes that are not
    /// blanks, and a candidate is gathered the same way. No copy of the
    /// text is made; the candidate buffer is wiped when dropped.
    fn find_spread(&self, text: &[u8]) -> Vec<(usize, usize, What)> {
        let table = &self.spread;
        let mut hits = Vec::new();
        if table.anchors.is_empty() {
            return hits;
        }
        let mut candidate = Zeroizing::new(Vec::with_capacity(table.longest));
        let mut window = 0u64;
        // Where in `text` the last ANCHOR kept bytes are, by count % ANCHOR.
        let mut at = [0usize; ANCHOR];
        let mut kept = 0usize;
        for (pos, &b) in text.iter().enumerate() {
            if is_blank(b) {
                continue;
            }
            window = (window >> 8) | (u64::from(b) << 56);
            at[kept % ANCHOR] = pos;
            kept += 1;
            if kept < ANCHOR {
                continue;
            }
            if !self.maybe(table, window) {
                continue;
            }
            let Some(entries) = table.anchors.get(&self.anchor_id(&window.to_le_bytes())) else {
                continue;
            };
            // The oldest of the last ANCHOR kept bytes starts the window.
            let start = at[kept % ANCHOR];
            for e in entries {
                let Some(end) = gather(text, start, e.len, &mut candidate) else {
                    continue;
                };
                let digest = self.digest(&candidate);
                if bool::from(subtle::ConstantTimeEq::ct_eq(&digest[..], &e.digest[..])) {
                    hits.push((
                        start,
                        end,
                        What::Value {
                            id: e.id,
                            form: e.form,
                        },
                    ));
                }
            }
        }
        hits
    }

    /// The forms of `table` found in `text`: (start, end, what), in order
    /// of start.
    fn find_in(&self, table: &Table, text: &[u8]) -> Vec<(usize, usize, What)> {
        let mut hits = Vec::new();
        if table.anchors.is_empty() {
            return hits;
        }
        for (pos, window) in text.windows(ANCHOR).enumerate() {
            // The window's bytes as a little-endian u64, as `insert` reads an anchor.
            let bits = window
                .iter()
                .rev()
                .fold(0u64, |w, b| (w << 8) | u64::from(*b));
            if !self.maybe(table, bits) {
                continue;
            }
            let Some(entries) = table.anchors.get(&self.anchor_id(window)) else {
                continue;
            };
            for e in entries {
                let Some(candidate) = text.get(pos..pos + e.len) else {
                    continue;
                };
                let digest = self.digest(candidate);
                if bool::from(subtle::ConstantTimeEq::ct_eq(&digest[..], &e.digest[..])) {
                    hits.push((
                        pos,
                        pos + e.len,
                        What::Value {
                            id: e.id,
                            form: e.form,
                        },
                    ));
                }
            }
        }
        hits
    }

    /// Every finding in `text`, sorted by line, without duplicates (one
    /// finding per line and kind). A pattern inside a value finding's span
    /// is left out.
    pub fn scan(&self, text: &[u8]) -> Vec<Finding> {
        let values = self.find_values(text);
        let patterns = find_patterns(text);
        let mut spans: Vec<(usize, usize, What)> = values.clone();
        for (start, end, pattern) in patterns {
            if !values.iter().any(|(s, e, _)| start < *e && *s < end) {
                spans.push((start, end, What::Pattern(pattern)));
            }
        }
        spans.sort_by_key(|(start, _, _)| *start);
        let mut findings = Vec::with_capacity(spans.len());
        let (mut line, mut counted) = (1, 0);
        for (start, _, what) in spans {
            line += text[counted..start].iter().filter(|b| **b == b'\n').count();
            counted = start;
            findings.push(Finding { line, what });
        }
        findings.sort();
        findings.dedup();
        findings
    }
}

/// Whether `text` looks binary: a NUL byte among its first [`BINARY_PROBE`] bytes.
pub fn is_binary(text: &[u8]) -> bool {
    text[..text.len().min(BINARY_PROBE)].contains(&0)
}

/// Length of the run of `accept` bytes at the start of `text`.
fn run(text: &[u8], accept: impl Fn(u8) -> bool) -> usize {
    text.iter().take_while(|b| accept(**b)).count()
}

/// At least 40 token bytes mixing upper case, lower case and digits: the
/// shape of a random key, not of a word like `sk-learn-…`.
fn random_key_body(body: &[u8]) -> bool {
    body.len() >= 40
        && body.iter().any(u8::is_ascii_uppercase)
        && body.iter().any(u8::is_ascii_lowercase)
        && body.iter().any(u8::is_ascii_digit)
}

/// The pattern that starts at `text[0]` and its length.
fn pattern_at(text: &[u8]) -> Option<(Pattern, usize)> {
    match text[0] {
        b's' if text.starts_with(b"sk-ant-") => {
            let body = run(&text[7..], is_token);
            random_key_body(&text[7..7 + body]).then_some((Pattern::Anthropic, 7 + body))
        }
        b's' if text.starts_with(b"sk-") => {
            let body = run(&text[3..], is_token);
            random_key_body(&text[3..3 + body]).then_some((Pattern::OpenAi, 3 + body))
        }
        b'A' if text.starts_with(b"AKIA") => {
            let body = run(&text[4..], |b| b.is_ascii_uppercase() || b.is_ascii_digit());
            let next_is_word = text.get(4 + body).is_some_and(u8::is_ascii_alphanumeric);
            (body == 16 && !next_is_word && !text[..20].ends_with(b"EXAMPLE"))
                .then_some((Pattern::AwsAccessKeyId, 20))
        }
        b'e' if text.starts_with(b"eyJ") => {
            let header = run(text, is_token);
            if header < 10 || text.get(header) != Some(&b'.') {
                return None;
            }
            let rest = &text[header + 1..];
            if !rest.starts_with(b"eyJ") {
                return None;
            }
            let payload = run(rest, is_token);
            if payload < 10 || rest.get(payload) != Some(&b'.') {
                return None;
            }
            let signature = run(&rest[payload + 1..], is_token);
            (signature >= 16).then_some((Pattern::Jwt, header + 1 + payload + 1 + signature))
        }
        _ => None,
    }
}

/// Whether `block` holds a `-`, `K` or `J`. Branch-free, so that it
/// vectorizes.
fn has_trigger(block: &[u8]) -> bool {
    let mut acc = 0u8;
    for &c in block {
        acc |= u8::from(c == b'-') | u8::from(c == b'K') | u8::from(c == b'J');
    }
    acc != 0
}

/// Every pattern in `text`: (start, end, pattern), in order. A pattern
/// must not continue a longer token (`xsk-…` is not a key).
///
/// Each pattern holds a byte that ordinary prose and code rarely do in
/// that place: the `-` of `sk-`, the `K` of `AKIA`, the `J` of `eyJ`. The
/// text is read in blocks; a block without any of the three bytes (most of
/// them) is passed over by a loop the compiler vectorizes.
pub fn find_patterns(text: &[u8]) -> Vec<(usize, usize, Pattern)> {
    const BLOCK: usize = 64;
    let mut hits = Vec::new();
    let mut next = 0; // no pattern starts before the end of the last one
    for (b, block) in text.chunks(BLOCK).enumerate() {
        if !has_trigger(block) {
            continue;
        }
        for (j, &c) in block.iter().enumerate() {
            let back = match c {
                b'-' => 2, // s k -
                b'K' => 1, // A K I A
                b'J' => 2, // e y J
                _ => continue,
            };
            let Some(start) = (b * BLOCK + j).checked_sub(back) else {
                continue;
            };
            if start < next || (start > 0 && is_token(text[start - 1])) {
                continue;
            }
            if let Some((pattern, len)) = pattern_at(&text[start..]) {
                hits.push((start, start + len, pattern));
                next = start + len;
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    // Fake values made up for these tests.
    const VALUE: &str = "fake-Value+/with?odd=chars&9";

    fn index(values: &[&str]) -> ValueIndex {
        let mut index = ValueIndex::new().expect("rng");
        for (id, v) in values.iter().enumerate() {
            index.add(id, v);
        }
        index
    }

    fn values_found(index: &ValueIndex, text: &str) -> Vec<(usize, usize, Form)> {
        index
            .scan(text.as_bytes())
            .into_iter()
            .filter_map(|f| match f.what {
                What::Value { id, form } => Some((f.line, id, form)),
                What::Pattern(_) => None,
            })
            .collect()
    }

    #[test]
    fn finds_exact_copies_with_their_line() {
        let idx = index(&["unused-other-value", VALUE]);
        let text = format!("a\nb\nKEY={VALUE}\n\nx{VALUE}y {VALUE}\n");
        assert_eq!(
            values_found(&idx, &text),
            [(3, 1, Form::Exact), (5, 1, Form::Exact)]
        );
        assert_eq!(values_found(&idx, VALUE), [(1, 1, Form::Exact)]);
        // One byte short of the value is not a copy.
        assert!(values_found(&idx, &VALUE[..VALUE.len() - 1]).is_empty());
    }

    #[test]
    fn finds_base64_alone_and_inside_larger_blobs_at_every_alignment() {
        let idx = index(&[VALUE]);
        for engine in [&STANDARD, &URL_SAFE] {
            assert_eq!(
                values_found(&idx, &engine.encode(VALUE)),
                [(1, 0, Form::Base64)]
            );
            for prefix in ["", "K=", "KEY=", "LONGER_KEY="] {
                let blob = engine.encode(format!("# env\n{prefix}{VALUE}\nNEXT=1\n"));
                assert_eq!(
                    values_found(&idx, &format!("data:\n  env: {blob}\n")),
                    [(2, 0, Form::Base64)],
                    "{prefix}"
                );
            }
        }
    }

    #[test]
    fn finds_url_encoded_copies_in_either_case() {
        let idx = index(&[VALUE]);
        let upper =
            String::from_utf8(percent_encode(VALUE.as_bytes(), true).to_vec()).expect("ascii");
        assert!(upper.contains("%2B%2F"), "{upper}");
        let url = format!("https://x.invalid/?token={upper}&a=1");
        assert_eq!(values_found(&idx, &url), [(1, 0, Form::UrlEncoded)]);
        let lower = upper.to_lowercase().replace("fake-value", "fake-Value");
        assert_eq!(values_found(&idx, &lower), [(1, 0, Form::UrlEncoded)]);
    }

    #[test]
    fn short_values_are_not_added_and_a_value_with_nothing_to_encode_has_fewer_forms() {
        let mut idx = ValueIndex::new().expect("rng");
        assert!(!idx.add(0, "1234567"));
        assert_eq!(idx.forms(), 0);
        assert!(values_found(&idx, "1234567").is_empty());
        assert!(idx.add(1, "abcdefgh"));
        // exact + 3 base64 alignments + hex; the URL-safe and percent forms
        // are the same bytes, and so are the hex cases (digits only).
        assert_eq!(idx.forms(), 5);
        assert_eq!(format!("{idx:?}"), "ValueIndex(5 forms)");
    }

    /// `text` wrapped at `width` columns with `eol`, the way `base64`,
    /// `openssl base64` and PEM write it.
    fn wrap(text: &str, width: usize, eol: &str) -> String {
        let lines: Vec<&str> = text
            .as_bytes()
            .chunks(width)
            .map(|c| core::str::from_utf8(c).expect("ascii"))
            .collect();
        lines.join(eol) + eol
    }

    /// A fake value, 48 bytes, made for these tests.
    const LONG: &str = "fake-Long-Value/0123456789+abcdefghij?klmnop=qrst";

    #[test]
    fn finds_wrapped_base64_whatever_the_width_line_end_and_split() {
        let idx = index(&["unused-other-value", LONG]);
        // Leading bytes move the value to every alignment and the line
        // breaks to every place in its encoded form.
        for lead in 0..40 {
            let blob = format!("{}{LONG}\ntrailer\n", "#".repeat(lead));
            for engine in [&STANDARD, &URL_SAFE] {
                let encoded = engine.encode(&blob);
                for width in [64, 76] {
                    for eol in ["\n", "\r\n"] {
                        let wrapped = wrap(&encoded, width, eol);
                        let text = format!("a: 1{eol}data: |{eol}{wrapped}");
                        assert_eq!(
                            values_found(&idx, &text),
                            [(3, 1, Form::Base64)],
                            "lead {lead}, width {width}, eol {eol:?}"
                        );
                        // Indented under a YAML key: the same.
                        let indented = wrapped.replace(eol, &format!("{eol}    "));
                        let text = format!("data: |{eol}    {indented}");
                        assert_eq!(values_found(&idx, &text), [(2, 1, Form::Base64)]);
                    }
                }
            }
        }
    }

    #[test]
    fn finds_hex_copies_in_either_case_wrapped_or_spaced() {
        let idx = index(&[LONG]);
        for upper in [false, true] {
            let hex =
                String::from_utf8(hex_encode(LONG.as_bytes(), upper).to_vec()).expect("ascii");
            assert_eq!(values_found(&idx, &hex), [(1, 0, Form::Hex)]);
            // Inside a longer dump.
            let dump = format!("x\n0a0b{hex}0c0d\n");
            assert_eq!(values_found(&idx, &dump), [(2, 0, Form::Hex)]);
            // `xxd -p`: 60 digits a line, after some leading bytes.
            let lead = String::from_utf8(hex_encode(b"lead", upper).to_vec()).expect("ascii");
            let xxd = wrap(&format!("{lead}{hex}"), 60, "\n");
            assert_eq!(values_found(&idx, &format!("\n{xxd}")), [(2, 0, Form::Hex)]);
            // `od -An -tx1`: a blank before each byte, 16 bytes a line.
            let od: String = hex
                .as_bytes()
                .chunks(2)
                .enumerate()
                .map(|(i, pair)| {
                    let sep = if i > 0 && i % 16 == 0 { "\n " } else { " " };
                    format!("{sep}{}", core::str::from_utf8(pair).expect("ascii"))
                })
                .collect();
            assert_eq!(values_found(&idx, &od), [(1, 0, Form::Hex)]);
        }
    }

    #[test]
    fn near_misses_of_the_encoded_forms_are_not_found() {
        let idx = index(&[LONG]);
        let mut changed = LONG.as_bytes().to_vec();
        changed[30] ^= 1;
        let near = core::str::from_utf8(&changed).expect("ascii");
        let encoded = STANDARD.encode(near);
        let hex = String::from_utf8(hex_encode(near.as_bytes(), false).to_vec()).expect("ascii");
        for text in [
            near.to_owned(),
            wrap(&encoded, 76, "\n"),
            wrap(&encoded, 64, "\r\n"),
            hex.clone(),
            hex.to_uppercase(),
            wrap(&hex, 60, "\n"),
            // Mixed case is not a hex dump.
            format!("{}{}", &hex[..20].to_uppercase(), &hex[20..]),
            // Blanks take out only blanks: other separators stay.
            wrap(&STANDARD.encode(LONG), 20, "\\n"),
        ] {
            assert_eq!(values_found(&idx, &text), [], "{text}");
        }
    }

    #[test]
    fn gather_skips_blanks_and_says_where_it_ends() {
        let text = b" ab\r\n c d \n";
        let mut out = Vec::with_capacity(4);
        assert_eq!(gather(text, 0, 4, &mut out), Some(9));
        assert_eq!(out, b"abcd");
        assert_eq!(gather(text, 2, 2, &mut out), Some(7));
        assert_eq!(out, b"bc");
        assert_eq!(gather(text, 2, 4, &mut out), None);
        assert_eq!(gather(text, 99, 1, &mut out), None);
    }

    #[test]
    fn same_value_under_two_ids_is_reported_for_both() {
        let idx = index(&[VALUE, VALUE]);
        assert_eq!(
            values_found(&idx, VALUE),
            [(1, 0, Form::Exact), (1, 1, Form::Exact)]
        );
    }

    fn mixed(n: usize) -> String {
        "aB3dE6gH9k".chars().cycle().take(n).collect()
    }

    fn patterns(text: &str) -> Vec<(usize, Pattern)> {
        index(&[VALUE])
            .scan(text.as_bytes())
            .into_iter()
            .filter_map(|f| match f.what {
                What::Pattern(p) => Some((f.line, p)),
                What::Value { .. } => None,
            })
            .collect()
    }

    #[test]
    fn windows_the_filter_lets_through_but_no_anchor_starts_are_skipped() {
        let mut idx = index(&[VALUE]);
        let forms = idx.forms();
        // Every bit set: the filter admits every window, the anchor map decides.
        idx.plain.bits.fill(u64::MAX);
        idx.spread.bits.fill(u64::MAX);
        assert!(idx.scan(b"nothing stored here at all\n").is_empty());
        assert_eq!(
            values_found(&idx, &format!("x {VALUE}\n")),
            [(1, 0, Form::Exact)]
        );
        // A form shorter than an anchor is never indexed.
        idx.insert(b"short", 1, Form::Exact);
        assert_eq!(idx.forms(), forms);
    }

    #[test]
    fn a_spread_form_cut_off_by_the_end_of_the_text_is_no_finding() {
        let idx = index(&[VALUE]);
        let hex = hex_encode(VALUE.as_bytes(), false);
        let cut = String::from_utf8(hex[..12].to_vec()).expect("hex");
        assert!(values_found(&idx, &format!("id {cut}")).is_empty());
        let whole = String::from_utf8(hex.to_vec()).expect("hex");
        assert_eq!(
            values_found(&idx, &format!("id {whole}")),
            [(1, 0, Form::Hex)]
        );
    }

    #[test]
    fn a_stored_value_and_a_key_pattern_in_one_text_are_told_apart() {
        let openai = format!("sk-{}", mixed(48));
        let text = format!("A={VALUE}\nB={openai}\n");
        assert_eq!(values_found(&index(&[VALUE]), &text), [(1, 0, Form::Exact)]);
        assert_eq!(patterns(&text), [(2, Pattern::OpenAi)]);
    }

    #[test]
    fn recognises_the_key_patterns() {
        let openai = format!("sk-{}", mixed(48));
        let project = format!("sk-proj-{}_{}", mixed(60), mixed(60));
        let anthropic = format!("sk-ant-api03-{}AA", mixed(93));
        let aws = ["AKIA", "Z3X9Q7W5E2R8T4Y6"].concat();
        let header = STANDARD.encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        let payload = URL_SAFE.encode("{\"role\":\"anon\",\"iss\":\"supabase\"}");
        let jwt = format!(
            "{}.{}.{}",
            header.trim_end_matches('='),
            payload.trim_end_matches('='),
            mixed(43)
        );
        let text =
            format!("OPENAI={openai}\n{project}\n\"{anthropic}\"\naws: {aws}\n\nBearer {jwt}\n");
        assert_eq!(
            patterns(&text),
            [
                (1, Pattern::OpenAi),
                (2, Pattern::OpenAi),
                (3, Pattern::Anthropic),
                (4, Pattern::AwsAccessKeyId),
                (6, Pattern::Jwt)
            ]
        );
    }

    #[test]
    fn patterns_across_block_boundaries_are_found_once() {
        let aws = ["AKIA", "Z3X9Q7W5E2R8T4Y6"].concat();
        let openai = format!("sk-{}", mixed(48));
        for pad in 55..70 {
            for key in [&aws, &openai] {
                let text = format!("{}{key} {key}", " ".repeat(pad));
                let found = find_patterns(text.as_bytes());
                assert_eq!(found.len(), 2, "{pad}");
                assert_eq!(found[0].0, pad);
                assert_eq!(found[0].1, pad + key.len());
            }
        }
        // A trigger byte too close to the start to end a pattern.
        for start in ["K", "-", "yJ", "K-J"] {
            let text = format!("{start} {aws}");
            assert_eq!(find_patterns(text.as_bytes()).len(), 1, "{text}");
        }
    }

    #[test]
    fn ordinary_text_is_not_a_pattern() {
        let near_misses = [
            "sk-learn and risk-assessment-of-the-whole-thing-in-lower-case-only",
            "sk-FAKE-plaintext-canary-7f3a9c",
            &format!("task-{}", mixed(48)),
            &format!("xsk-{}", mixed(48)),
            &["AKIA", "IOSFODNN7EXAMPLE"].concat(),
            &["AKIA", "Z3X9Q7W5E2R8T4Y"].concat(),
            &["AKIA", "Z3X9Q7W5E2R8T4Y6Q"].concat(),
            &["xAKIA", "Z3X9Q7W5E2R8T4Y6"].concat(),
            "eyJhbGciOiJI.notjson.sig",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0",
            "eye, eyJ, eyJa.eyJb.c",
        ];
        for text in near_misses {
            assert_eq!(patterns(text), [], "{text}");
        }
    }

    #[test]
    fn a_value_that_has_a_pattern_shape_is_reported_once_as_the_value() {
        let key = format!("sk-{}", mixed(48));
        let idx = index(&[&key]);
        let found = idx.scan(format!("X={key}\n").as_bytes());
        assert_eq!(
            found,
            [Finding {
                line: 1,
                what: What::Value {
                    id: 0,
                    form: Form::Exact
                }
            }]
        );
    }

    #[test]
    fn binary_means_a_nul_in_the_first_8_kib() {
        assert!(is_binary(b"\x7fELF\x02\x01\x01\x00"));
        assert!(!is_binary(b"plain text\n"));
        assert!(!is_binary(b""));
        let mut late = vec![b'a'; BINARY_PROBE];
        late.push(0);
        assert!(!is_binary(&late));
    }

    #[test]
    fn names() {
        assert_eq!(Form::Exact.as_str(), "exact");
        assert_eq!(Form::Base64.as_str(), "base64");
        assert_eq!(Form::UrlEncoded.as_str(), "urlencoded");
        assert_eq!(Form::Hex.as_str(), "hex");
        assert_eq!(Pattern::Jwt.name(), "jwt");
        assert_eq!(Pattern::AwsAccessKeyId.name(), "aws-access-key-id");
        assert_eq!(Pattern::OpenAi.name(), "openai-api-key");
        assert_eq!(Pattern::Anthropic.name(), "anthropic-api-key");
    }
}
