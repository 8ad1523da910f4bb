//! `age` recipients and identities (docs/adr/0009-team-vaults.md): the CLI
//! encrypts the core's vault-key payload to `age1…` and SSH public keys with
//! the age crate, and decrypts it with the identities the user has
//! (`--identity FILE`, `AGENT_SECRETS_IDENTITY`, `~/.ssh/id_ed25519`,
//! `~/.ssh/id_rsa`) before a password is asked for. The core makes and
//! checks the payload; nothing here decides which key a vault uses.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use age::secrecy::SecretString;
use agent_secrets_core::format::{ConfigDoc, Recipient};
use agent_secrets_core::{AgeEncryptor, Error};
use zeroize::Zeroizing;

use crate::output;

/// The variable naming one more identity file.
pub const IDENTITY_ENV: &str = "AGENT_SECRETS_IDENTITY";
/// The passphrase of an encrypted identity when there is no terminal to
/// ask on (never inherited by a child, like the password variables).
pub const PASSPHRASE_ENV: &str = "AGENT_SECRETS_IDENTITY_PASSPHRASE";
/// The most bytes read from an identity or public-key file.
const MAX_IDENTITY_BYTES: u64 = 64 * 1024;

/// The age crate as the core's [`AgeEncryptor`].
#[derive(Debug, Clone, Copy)]
pub struct AgeCli;

/// Parses an `age` recipient's public key (`age1…`, `ssh-ed25519 …`,
/// `ssh-rsa …`); the error names the recipient, never the key.
fn parse_recipient(name: &str, key: &str) -> Result<Box<dyn age::Recipient + Send>, Error> {
    let invalid = |reason| Error::InvalidRecipientKey {
        recipient: name.to_owned(),
        reason,
    };
    if key.starts_with("age1") {
        return age::x25519::Recipient::from_str(key)
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
            .map_err(|_| invalid("not a valid age public key (bad checksum or length)"));
    }
    match age::ssh::Recipient::from_str(key) {
        Ok(r) => Ok(Box::new(r)),
        Err(age::ssh::ParseRecipientKeyError::Unsupported(_)) => Err(invalid(
            "an SSH key of a type age does not support (use ssh-ed25519 or ssh-rsa)",
        )),
        Err(_) => Err(invalid("not a valid SSH public key")),
    }
}

impl AgeEncryptor for AgeCli {
    fn encrypt(&self, recipient: &str, public_key: &str, payload: &[u8]) -> Result<Vec<u8>, Error> {
        let parsed = parse_recipient(recipient, public_key)?;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&*parsed as &dyn age::Recipient))
                .map_err(|_| Error::InvalidRecipientKey {
                    recipient: recipient.to_owned(),
                    reason: "age cannot encrypt to this key",
                })?;
        let mut out = Vec::new();
        let io = |_| Error::InvalidRecipientKey {
            recipient: recipient.to_owned(),
            reason: "age failed to encrypt to this key",
        };
        let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
        std::io::Write::write_all(&mut writer, payload).map_err(io)?;
        writer.finish().map_err(io)?;
        Ok(out)
    }
}

/// The public key to store for `--ssh-key FILE` or `--age KEY`: an SSH
/// public-key line without its comment, or an `age1…` key, checked by the
/// age crate. Errors name the recipient and the file, never key material.
pub fn public_key_for(
    name: &str,
    age_key: Option<&str>,
    ssh_file: Option<&Path>,
) -> Result<String, crate::error::CliError> {
    let key = match (age_key, ssh_file) {
        (Some(key), None) => key.trim().to_owned(),
        (None, Some(path)) => {
            let text = read_small(path).map_err(|why| {
                crate::error::CliError::Usage(format!(
                    "Recipient '{name}': cannot read {} ({why}).",
                    path.display()
                ))
            })?;
            let text = String::from_utf8(text.to_vec()).unwrap_or_default();
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let mut fields = line.split_whitespace();
            match (fields.next(), fields.next()) {
                (Some(kind), Some(body)) => format!("{kind} {body}"),
                _ => String::new(),
            }
        }
        _ => {
            return Err(crate::error::CliError::Usage(
                "Give exactly one of --password, --age KEY and --ssh-key FILE.".to_owned(),
            ))
        }
    };
    agent_secrets_core::format::check_age_public_key(&key).map_err(|reason| {
        Error::InvalidRecipientKey {
            recipient: name.to_owned(),
            reason,
        }
    })?;
    parse_recipient(name, &key)?;
    Ok(key)
}

fn read_small(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let mut out = Zeroizing::new(Vec::new());
    file.take(MAX_IDENTITY_BYTES).read_to_end(&mut out)?;
    Ok(out)
}

/// The identity files to try, in order: `--identity` (each), the
/// variable, then `~/.ssh/id_ed25519` and `~/.ssh/id_rsa` when present.
/// The flag's and the variable's files are reported when unusable; the
/// default keys are skipped silently when absent.
pub fn candidates(explicit: &[PathBuf]) -> Vec<(PathBuf, bool)> {
    let mut out: Vec<(PathBuf, bool)> = explicit.iter().map(|p| (p.clone(), true)).collect();
    if let Some(p) = std::env::var_os(IDENTITY_ENV).filter(|p| !p.is_empty()) {
        out.push((PathBuf::from(p), true));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        for name in ["id_ed25519", "id_rsa"] {
            let path = Path::new(&home).join(".ssh").join(name);
            if path.exists() {
                out.push((path, false));
            }
        }
    }
    out
}

/// Asks for (or reads) an encrypted identity's passphrase once per file.
#[derive(Clone)]
struct Passphrase {
    file: String,
    given: Arc<Mutex<Option<Option<SecretString>>>>,
}

impl age::Callbacks for Passphrase {
    fn display_message(&self, _: &str) {}
    fn confirm(&self, _: &str, _: &str, _: Option<&str>) -> Option<bool> {
        None
    }
    fn request_public_string(&self, _: &str) -> Option<String> {
        None
    }
    fn request_passphrase(&self, _: &str) -> Option<SecretString> {
        let mut given = self.given.lock().ok()?;
        if let Some(answer) = given.as_ref() {
            return answer.clone();
        }
        let answer = std::env::var(PASSPHRASE_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .or_else(|| {
                use std::io::IsTerminal;
                if !std::io::stdin().is_terminal() {
                    return None;
                }
                rpassword::prompt_password(format!("Passphrase for {}: ", self.file)).ok()
            })
            .map(SecretString::from);
        *given = Some(answer.clone());
        answer
    }
}

/// Why an identity file is not used (said on stderr, never its content).
fn refuse(path: &Path) -> Option<&'static str> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Some("cannot be read"),
    };
    let meta = if meta.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(_) => return Some("cannot be read"),
        }
    } else {
        meta
    };
    if !meta.is_file() {
        return Some("is not a regular file");
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Some("is readable or writable by group or others (ssh refuses such keys too)");
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Some("belongs to another user");
    }
    None
}

/// The `age` recipients of `config` whose public key `pub_file` (an SSH
/// `.pub` beside a private key) names, if that file exists.
fn matching_from_pub(config: &ConfigDoc, key_file: &Path) -> Option<Vec<String>> {
    let mut pub_path = key_file.as_os_str().to_owned();
    pub_path.push(".pub");
    let text = read_small(Path::new(&pub_path)).ok()?;
    let text = String::from_utf8(text.to_vec()).ok()?;
    let mut fields = text.split_whitespace();
    let key = format!("{} {}", fields.next()?, fields.next()?);
    Some(
        config
            .recipients
            .iter()
            .filter(|(_, r)| matches!(r, Recipient::Age(a) if a.public_key == key))
            .map(|(n, _)| n.clone())
            .collect(),
    )
}

/// Loads the identities of one file: an age identity file
/// (`AGE-SECRET-KEY-1…`) or an SSH private key (asking for its passphrase
/// when encrypted).
fn load(path: &Path) -> Result<Vec<Box<dyn age::Identity>>, &'static str> {
    let bytes = read_small(path).map_err(|_| "cannot be read")?;
    let shown = path.display().to_string();
    if bytes.windows(15).any(|w| w == b"AGE-SECRET-KEY-") {
        let file = age::IdentityFile::from_buffer(&bytes[..])
            .map_err(|_| "is not a valid age identity file")?;
        return file
            .into_identities()
            .map_err(|_| "is not a valid age identity file");
    }
    match age::ssh::Identity::from_buffer(&bytes[..], Some(shown.clone())) {
        Ok(age::ssh::Identity::Unsupported(_)) => {
            Err("is an SSH key of a type age does not support")
        }
        Ok(identity) => Ok(vec![Box::new(identity.with_callbacks(Passphrase {
            file: shown,
            given: Arc::new(Mutex::new(None)),
        }))]),
        Err(_) => Err("is neither an age identity file nor an SSH private key"),
    }
}

/// Tries the user's identities on the `age` recipients of `config`: the
/// first that decrypts one gives `(recipient, payload)`. Unusable files
/// (unreadable, open to others, a wrong passphrase) are said on stderr and
/// skipped, so that the next identity or the password is tried.
pub fn open_with_identities(
    config: &ConfigDoc,
    explicit: &[PathBuf],
) -> Option<(String, Zeroizing<Vec<u8>>)> {
    let age_recipients: Vec<(&String, &[u8])> = config
        .recipients
        .iter()
        .filter_map(|(n, r)| match r {
            Recipient::Age(a) => Some((n, a.wrapping.0.as_slice())),
            Recipient::Password(_) => None,
        })
        .collect();
    if age_recipients.is_empty() {
        return None;
    }
    for (path, explicit) in candidates(explicit) {
        if let Some(why) = refuse(&path) {
            if explicit {
                output::note(&format!("identity {} {why}; skipped.", path.display()));
            }
            continue;
        }
        // A default key whose .pub names no recipient is not even read
        // (no passphrase asked for a key this vault does not know).
        let only = matching_from_pub(config, &path);
        if !explicit && only.as_ref().is_some_and(Vec::is_empty) {
            continue;
        }
        let identities = match load(&path) {
            Ok(ids) => ids,
            Err(why) => {
                if explicit {
                    output::note(&format!("identity {} {why}; skipped.", path.display()));
                }
                continue;
            }
        };
        for (name, wrapping) in &age_recipients {
            if only.as_ref().is_some_and(|o| !o.contains(name)) {
                continue;
            }
            let Ok(decryptor) = age::Decryptor::new(*wrapping) else {
                continue;
            };
            match decryptor.decrypt(identities.iter().map(|i| &**i)) {
                Ok(mut reader) => {
                    let mut payload = Zeroizing::new(Vec::new());
                    if (&mut reader).take(1024).read_to_end(&mut payload).is_ok() {
                        return Some(((*name).clone(), payload));
                    }
                }
                Err(age::DecryptError::KeyDecryptionFailed) => {
                    output::note(&format!(
                        "identity {}: wrong passphrase or none given; skipped.",
                        path.display()
                    ));
                    break;
                }
                Err(_) => {}
            }
        }
    }
    None
}
