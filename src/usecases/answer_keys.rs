//! The answer keys: where they come from, the key file's format, and rotation.
//!
//! A key file holds one base64 key per line, the current key first; `#` starts a
//! comment. Older keys only open answers sealed before a rotation and can be removed
//! once every round open at the rotation has closed. `NYTTOPULS__SURVEY__ANSWER_KEY`
//! (the same list, separated by commas or spaces) overrides the file.

use std::{
    io::Write,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::Path,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use sea_orm::DatabaseConnection;

use crate::{
    config::SurveySettings,
    domain::sealing::{AnswerKey, AnswerKeys, KEY_LEN, KeyId},
    store,
};

const FILE_HEADER: &str = "\
# Nyttopuls answer keys. The first key seals new answers; keys below it only open
# answers sealed before a rotation. Keep this file out of database backups: with it
# and the database of an open round, answers can be tied to people.
";

/// Loads the keys: from `survey.answer_key` if set, else from `survey.answer_key_file`,
/// which is created with a fresh key on first start, except on PostgreSQL, where
/// several instances must share one key and a key made here would differ from theirs.
pub fn load(settings: &SurveySettings, on_postgres: bool) -> Result<AnswerKeys, String> {
    if let Some(keys) = &settings.answer_key {
        return parse(keys.expose())
            .map_err(|e| format!("NYTTOPULS__SURVEY__ANSWER_KEY (survey.answer_key): {e}"));
    }
    let path = Path::new(&settings.answer_key_file);
    let name = || format!("survey.answer_key_file `{}`", path.display());
    match std::fs::read_to_string(path) {
        Ok(text) => {
            warn_if_others_can_read(path);
            parse(&text).map_err(|e| format!("{}: {e}", name()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && on_postgres => Err(format!(
            "{} does not exist. On PostgreSQL every instance must use the same answer key: \
             create it once with `nyttopuls answer-key new > FILE` (mode 0600), give each \
             instance a copy, or set NYTTOPULS__SURVEY__ANSWER_KEY",
            name()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = AnswerKey::generate_bytes();
            write_private(path, &format!("{FILE_HEADER}{}\n", STANDARD.encode(bytes)))
                .map_err(|e| format!("cannot create {}: {e}", name()))?;
            tracing::info!(path = %path.display(), "created a new answer key");
            Ok(AnswerKeys::new(AnswerKey::from_bytes(&bytes), Vec::new()))
        }
        Err(e) => Err(format!("cannot read {}: {e}", name())),
    }
}

/// Refuses to start when sealed answers were sealed with a key this instance does not
/// have: their round could never close. Checked once at start.
pub async fn check_sealed_rows_open(
    db: &DatabaseConnection,
    keys: &AnswerKeys,
) -> Result<(), String> {
    let in_use = store::rounds::sealed_key_ids(db)
        .await
        .map_err(|e| format!("cannot check the sealed answers' keys: {e}"))?;
    let unknown: Vec<String> = in_use
        .into_iter()
        .filter(|id| !keys.knows(*id))
        .map(|id| id.to_string())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(format!(
        "answers of open rounds are sealed with answer key {}, which this instance does not \
         have (its current key is {}). Configure the same key file on every instance, or keep \
         the old key below the new one after a rotation",
        unknown.join(", "),
        keys.current_id()
    ))
}

/// Readiness: the keys this instance seals with can still be had on a restart. From
/// `survey.answer_key` they always can; a key file must still exist and still hold the
/// key sealing now (a rotation keeps it, below the new one).
pub fn check_still_present(settings: &SurveySettings, keys: &AnswerKeys) -> Result<(), String> {
    if settings.answer_key.is_some() {
        return Ok(());
    }
    let path = Path::new(&settings.answer_key_file);
    let name = format!("survey.answer_key_file `{}`", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let on_disk = parse(&text).map_err(|e| format!("{name}: {e}"))?;
    if on_disk.knows(keys.current_id()) {
        Ok(())
    } else {
        Err(format!(
            "{name} no longer holds key {}, which seals this instance's answers: \
             put it back before a restart, or the open rounds cannot be released",
            keys.current_id()
        ))
    }
}

/// A fresh key as a key file line.
pub fn new_key_line() -> String {
    STANDARD.encode(AnswerKey::generate_bytes())
}

/// Puts a new current key at the top of the key file; the previous keys stay below it
/// to open what they sealed. Returns the new key's id.
pub fn rotate(path: &Path) -> Result<KeyId, String> {
    let name = format!("survey.answer_key_file `{}`", path.display());
    let existing = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let old = key_lines(&existing).map_err(|e| format!("{name}: {e}"))?;
    let bytes = AnswerKey::generate_bytes();
    let mut text = format!("{FILE_HEADER}{}\n", STANDARD.encode(bytes));
    for line in old {
        text.push_str(line);
        text.push('\n');
    }
    let temporary = path.with_extension("key.new");
    write_private(&temporary, &text).map_err(|e| format!("cannot write {name}: {e}"))?;
    std::fs::rename(&temporary, path).map_err(|e| format!("cannot replace {name}: {e}"))?;
    Ok(AnswerKey::from_bytes(&bytes).id())
}

/// The key lines of a key file or list, checked.
fn key_lines(text: &str) -> Result<Vec<&str>, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|line| line.split([',', ' ', '\t']))
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .collect();
    if lines.is_empty() {
        return Err("holds no key".into());
    }
    for (n, line) in lines.iter().enumerate() {
        decode(line).map_err(|e| format!("key {}: {e}", n + 1))?;
    }
    Ok(lines)
}

fn decode(word: &str) -> Result<[u8; KEY_LEN], String> {
    let bytes = STANDARD
        .decode(word)
        .map_err(|_| "is not base64 (make one with `nyttopuls answer-key new`)".to_owned())?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("is {} bytes, not {KEY_LEN}", b.len()))
}

fn parse(text: &str) -> Result<AnswerKeys, String> {
    let mut keys = key_lines(text)?
        .into_iter()
        .map(|line| decode(line).map(|bytes| AnswerKey::from_bytes(&bytes)));
    let current = keys.next().ok_or("holds no key")??;
    Ok(AnswerKeys::new(current, keys.collect::<Result<_, _>>()?))
}

/// Creates (or truncates) a file only its owner can read, in a folder only its owner
/// can enter if the folder is new.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn warn_if_others_can_read(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "the answer key file can be read by others than its owner: chmod 600 it"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(file: &Path) -> SurveySettings {
        let mut settings = crate::config::Settings::load(None).unwrap().survey;
        settings.answer_key_file = file.display().to_string();
        settings
    }

    #[test]
    fn the_first_start_on_sqlite_makes_a_private_key_file_and_later_starts_reuse_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/answer.key");
        let first = load(&settings(&file), false).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert_eq!(
            load(&settings(&file), false).unwrap().current_id(),
            first.current_id()
        );
    }

    #[test]
    fn postgresql_never_makes_a_key_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answer.key");
        let error = load(&settings(&file), true).unwrap_err();
        assert!(
            error.contains("does not exist") && error.contains("every instance"),
            "{error}"
        );
        assert!(!file.exists());
    }

    #[test]
    fn a_rotation_puts_a_new_key_first_and_keeps_the_old_one_for_opening() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answer.key");
        let before = load(&settings(&file), false).unwrap();
        let sealed = before.seal(1, b"answer", 16);
        let new_id = rotate(&file).unwrap();
        let after = load(&settings(&file), false).unwrap();
        assert_eq!(after.current_id(), new_id);
        assert_ne!(new_id, before.current_id());
        assert_eq!(after.open(1, &sealed).unwrap(), b"answer");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_key_list_puts_the_current_key_first_and_names_a_bad_entry() {
        let (a, b) = (new_key_line(), new_key_line());
        let keys = parse(&format!("# comment\n{a}\n{b} # old\n")).unwrap();
        let first = AnswerKey::from_bytes(&decode(&a).unwrap()).id();
        let second = AnswerKey::from_bytes(&decode(&b).unwrap()).id();
        assert_eq!(keys.current_id(), first);
        assert!(keys.knows(second));
        assert_eq!(parse(&format!("{a}, {b}")).unwrap().current_id(), first);
        assert_eq!(parse("# nothing\n").unwrap_err(), "holds no key");
        assert!(
            parse(&format!("{a}\nAAAA\n"))
                .unwrap_err()
                .starts_with("key 2: is 3 bytes")
        );
    }
}
