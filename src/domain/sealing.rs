//! Sealed answers. While its round is open an answer is stored only encrypted, under a
//! key kept outside the database, so whoever holds the database files cannot read it
//! or pair it with the invitation it was written for. Each one is padded to the same
//! length for its round, so the ciphertext's length says nothing about the comment.
//!
//! Layout of a sealed answer: key id (4 bytes) ‖ nonce (24) ‖ XChaCha20-Poly1305 of
//! (length (4, little-endian) ‖ plaintext ‖ zero padding). The round id is the
//! associated data: a sealed row moved to another round does not open.

use std::fmt;

use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    RespondentKind,
    questionnaire::{Answers, Item},
};

pub const KEY_LEN: usize = 32;
const KEY_ID_LEN: usize = 4;
const NONCE_LEN: usize = 24;
const LENGTH_LEN: usize = 4;
/// Longest förvaltning name a respondent may carry (import refuses longer ones); it
/// bounds the sealed size.
pub const MAX_DEPARTMENT_CHARS: usize = 200;

/// What is sealed: the answers and the segment values they are reported under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedAnswer {
    #[serde(rename = "d")]
    pub department: Option<String>,
    #[serde(rename = "k")]
    pub kind: RespondentKind,
    #[serde(rename = "a")]
    pub answers: Answers,
    /// Came through the round's open link (no invitation). Written only when true, so
    /// an invited answer's plaintext is as long as before; an open-link answer has no
    /// förvaltning, which leaves it far below the padded length.
    #[serde(rename = "o", default, skip_serializing_if = "std::ops::Not::not")]
    pub open_link: bool,
}

/// The longest plaintext an answer to these items can have: every text answer at
/// `max_comment_chars` characters of 4 bytes (JSON escapes of the characters
/// `check_answers` lets through take at most 2), a number at its longest, the longest
/// department. Every answer of a round is padded to this, so all are the same size.
pub fn padded_len(items: &[Item], max_comment_chars: usize) -> usize {
    let structure = r#"{"d":"","k":"external","a":{}}"#.len();
    let department = 4 * MAX_DEPARTMENT_CHARS;
    let items: usize = items
        .iter()
        .map(|item| {
            let key = item.key.len() + 4; // quotes, colon, comma
            let value = match item.kind.bounds() {
                Some(_) => "-9223372036854775808".len(),
                None => 2 + 4 * max_comment_chars,
            };
            key + value
        })
        .sum();
    structure + department + items
}

/// One 256-bit answer key and its public id (a hash prefix, so an operator can tell
/// which key sealed what without the key itself).
#[derive(Clone)]
pub struct AnswerKey {
    id: [u8; KEY_ID_LEN],
    cipher: XChaCha20Poly1305,
}

impl AnswerKey {
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        let digest = Sha256::new_with_prefix(b"nyttopuls answer key id\0")
            .chain_update(bytes)
            .finalize();
        let mut id = [0; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self {
            id,
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }

    /// Fresh random key material.
    pub fn generate_bytes() -> [u8; KEY_LEN] {
        let mut bytes = [0; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        bytes
    }

    pub fn id(&self) -> KeyId {
        KeyId(self.id)
    }
}

impl fmt::Debug for AnswerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnswerKey({})", self.id())
    }
}

/// A key's id as operators see it: 8 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl KeyId {
    /// The id of the key a sealed answer was sealed with.
    pub fn of_sealed(sealed: &[u8]) -> Option<Self> {
        sealed.get(..KEY_ID_LEN)?.try_into().ok().map(Self)
    }
}

/// Why a sealed answer did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsealError {
    #[error("it was sealed with answer key {0}, which is not configured")]
    UnknownKey(KeyId),
    #[error("it is damaged, or belongs to another round")]
    Damaged,
}

/// The current key seals; older keys (kept through a rotation until the rounds they
/// sealed for have closed) only open.
#[derive(Debug, Clone)]
pub struct AnswerKeys {
    current: AnswerKey,
    older: Vec<AnswerKey>,
}

impl AnswerKeys {
    pub fn new(current: AnswerKey, older: Vec<AnswerKey>) -> Self {
        Self { current, older }
    }

    pub fn current_id(&self) -> KeyId {
        self.current.id()
    }

    pub fn knows(&self, id: KeyId) -> bool {
        self.find(id).is_some()
    }

    fn find(&self, id: KeyId) -> Option<&AnswerKey> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .find(|key| key.id() == id)
    }

    /// Seals `plaintext` for `round_id`, padded to `padded_len` bytes. A plaintext longer
    /// than that (which `padded_len`'s bound rules out) goes to the next multiple of it
    /// rather than being refused: an answer is never lost.
    pub fn seal(&self, round_id: i32, plaintext: &[u8], padded_len: usize) -> Vec<u8> {
        let padded_len = padded_len.max(1);
        let body_len = LENGTH_LEN + plaintext.len().next_multiple_of(padded_len);
        let mut body = Vec::with_capacity(body_len);
        body.extend_from_slice(&(plaintext.len() as u32).to_le_bytes());
        body.extend_from_slice(plaintext);
        body.resize(body_len, 0);
        let mut nonce = [0; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = round_id.to_be_bytes();
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &body,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length we produce");
        let mut sealed = Vec::with_capacity(KEY_ID_LEN + NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&self.current.id);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens an answer sealed for `round_id` and strips its padding.
    pub fn open(&self, round_id: i32, sealed: &[u8]) -> Result<Vec<u8>, UnsealError> {
        let id = KeyId::of_sealed(sealed).ok_or(UnsealError::Damaged)?;
        let key = self.find(id).ok_or(UnsealError::UnknownKey(id))?;
        let nonce: [u8; NONCE_LEN] = sealed
            .get(KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN)
            .and_then(|n| n.try_into().ok())
            .ok_or(UnsealError::Damaged)?;
        let aad = round_id.to_be_bytes();
        let body = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[KEY_ID_LEN + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| UnsealError::Damaged)?;
        let length = body
            .get(..LENGTH_LEN)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or(UnsealError::Damaged)? as usize;
        body.get(LENGTH_LEN..LENGTH_LEN + length)
            .map(<[u8]>::to_vec)
            .ok_or(UnsealError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::{ItemKind, ScaleTag};

    fn keys(seed: u8) -> AnswerKeys {
        AnswerKeys::new(AnswerKey::from_bytes(&[seed; KEY_LEN]), Vec::new())
    }

    #[test]
    fn an_answer_opens_with_its_key_and_round_only() {
        let keys = keys(1);
        let sealed = keys.seal(7, b"{\"sus1\":4}", 256);
        assert_eq!(keys.open(7, &sealed).unwrap(), b"{\"sus1\":4}");
        assert_eq!(keys.open(8, &sealed), Err(UnsealError::Damaged));
        let other = self::keys(2);
        assert_eq!(
            other.open(7, &sealed),
            Err(UnsealError::UnknownKey(keys.current_id()))
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(keys.open(7, &tampered), Err(UnsealError::Damaged));
    }

    #[test]
    fn every_answer_of_a_round_has_the_same_length_whatever_its_comment() {
        let keys = keys(1);
        let short = keys.seal(1, b"{}", 1_000);
        let long = keys.seal(1, &[b'x'; 999], 1_000);
        assert_eq!(short.len(), long.len());
        assert_eq!(short.len(), 4 + 24 + 4 + 1_000 + 16);
        // The same answer sealed twice differs (fresh nonce), so equal answers do not show.
        assert_ne!(keys.seal(1, b"{}", 1_000), short);
    }

    #[test]
    fn an_older_key_still_opens_what_it_sealed_after_a_rotation() {
        let before = keys(1);
        let sealed = before.seal(3, b"answer", 64);
        let rotated = AnswerKeys::new(
            AnswerKey::from_bytes(&[2; KEY_LEN]),
            vec![AnswerKey::from_bytes(&[1; KEY_LEN])],
        );
        assert_eq!(rotated.open(3, &sealed).unwrap(), b"answer");
        assert_ne!(
            KeyId::of_sealed(&rotated.seal(3, b"x", 64)),
            KeyId::of_sealed(&sealed)
        );
    }

    #[test]
    fn the_padded_length_bounds_the_longest_answer_json() {
        let item = |key: &str, kind| Item {
            key: key.into(),
            kind,
            scale: ScaleTag::Other,
            text_sv: String::new(),
            text_en: String::new(),
            required: false,
        };
        let items = vec![
            item("sus1", ItemKind::Likert5),
            item("kommentar", ItemKind::Text),
        ];
        // The worst case: 4-byte characters, a quote (escaped to 2 bytes) and i64::MIN.
        let worst = SealedAnswer {
            department: Some("😀".repeat(MAX_DEPARTMENT_CHARS)),
            kind: RespondentKind::External,
            answers: Answers::from([
                (
                    "sus1".into(),
                    crate::domain::questionnaire::AnswerValue::Number(i64::MIN),
                ),
                (
                    "kommentar".into(),
                    crate::domain::questionnaire::AnswerValue::Text(format!(
                        "\"{}",
                        "😀".repeat(9)
                    )),
                ),
            ]),
            open_link: false,
        };
        let json = serde_json::to_vec(&worst).unwrap();
        assert!(json.len() <= padded_len(&items, 10), "{} bytes", json.len());
        // The open link's marker costs 9 bytes and its answers carry no förvaltning.
        let open_link = SealedAnswer {
            department: None,
            open_link: true,
            ..worst
        };
        let json = serde_json::to_vec(&open_link).unwrap();
        assert!(json.len() <= padded_len(&items, 10), "{} bytes", json.len());
    }
}
