//! The checks that keep unpacking inside its target directory.
//!
//! An archive is data from someone else, and the names in it are just text. A name like
//! `../../.bashrc` or `/etc/cron.d/job` would, written naively with `target.join(name)`, land
//! outside the target: the "zip slip" attack. So every name is checked before anything is
//! written, and refused by name:
//!
//! - absolute names (`/x`, `C:\x`, `\\server\x`) and names with a `..` part;
//! - symbolic links whose target, followed from where the link sits, leaves the directory, or
//!   passes through another link of the archive (two links inside can point out together);
//! - entries that would be written through a link of the archive.

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

use anyhow::bail;

/// A name from an archive as a message shows it: quoted, control characters escaped (so a name
/// cannot move the terminal's cursor or set its title), and at most about 200 characters, the
/// middle left out (a 256 MiB name must not become a 256 MiB error line).
pub struct Shown<'a>(pub &'a str);

/// Characters of a long name kept at its start and at its end.
const SHOWN_HEAD: usize = 140;
const SHOWN_TAIL: usize = 60;

impl fmt::Display for Shown<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        use lab_core::text::escape_controls;
        let count = self.0.chars().count();
        if count <= SHOWN_HEAD + SHOWN_TAIL {
            return write!(out, "\"{}\"", escape_controls(self.0));
        }
        let head: String = self.0.chars().take(SHOWN_HEAD).collect();
        let tail: String = self.0.chars().skip(count - SHOWN_TAIL).collect();
        write!(
            out,
            "\"{}…({} characters left out)…{}\"",
            escape_controls(&head),
            count - SHOWN_HEAD - SHOWN_TAIL,
            escape_controls(&tail)
        )
    }
}

/// Whether a name is the archive's root itself (`.`, `./`, empty), which unpacks to nothing.
pub fn is_root(name: &str) -> bool {
    name.split(['/', '\\'])
        .all(|part| part.is_empty() || part == ".")
}

/// The parts of an archive entry's name, checked: never absolute, never `..`.
pub fn safe_parts(name: &str) -> anyhow::Result<Vec<&str>> {
    let absolute =
        name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':');
    if absolute {
        bail!(
            "refused {}: an absolute path would be written outside the target",
            Shown(name)
        );
    }
    if name.contains('\0') {
        bail!("refused {}: a name with a NUL byte", Shown(name));
    }
    let mut parts = Vec::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => bail!(
                "refused {}: \"..\" would climb out of the target",
                Shown(name)
            ),
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        bail!("refused {}: an empty name", Shown(name));
    }
    Ok(parts)
}

/// The entry's path under the target.
pub fn safe_path(name: &str) -> anyhow::Result<PathBuf> {
    Ok(safe_parts(name)?.iter().collect())
}

/// Checks that the link `name` → `target` stays inside, not passing through any of `links`
/// (the archive's other links, as cleaned-up relative paths).
pub fn check_link(name: &str, target: &str, links: &HashSet<String>) -> anyhow::Result<()> {
    if target.starts_with('/') || target.starts_with('\\') {
        bail!(
            "refused link {}: it points to the absolute path {}",
            Shown(name),
            Shown(target)
        );
    }
    let mut place = safe_parts(name)?;
    place.pop();
    for part in target.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if place.pop().is_none() {
                    bail!(
                        "refused link {}: {} points outside the target",
                        Shown(name),
                        Shown(target)
                    );
                }
            }
            part => {
                place.push(part);
                if links.contains(&place.join("/")) {
                    bail!(
                        "refused link {}: {} goes through another link, {}",
                        Shown(name),
                        Shown(target),
                        Shown(&place.join("/"))
                    );
                }
            }
        }
    }
    Ok(())
}

/// Checks that no entry is written through one of the archive's links.
pub fn check_not_through_link(name: &str, links: &HashSet<String>) -> anyhow::Result<()> {
    let parts = safe_parts(name)?;
    for length in 1..parts.len() {
        let prefix = parts[..length].join("/");
        if links.contains(&prefix) {
            bail!(
                "refused {}: it would be written through the link {}",
                Shown(name),
                Shown(&prefix)
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_out_are_refused_by_name() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "C:\\x",
            "\\\\server\\x",
            "a\\..\\..\\x",
        ] {
            let error = safe_path(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
        assert_eq!(
            safe_path("./a//b/c.php").unwrap(),
            PathBuf::from("a/b/c.php")
        );
    }

    #[test]
    fn links_must_stay_inside_and_not_chain() {
        let none = HashSet::new();
        assert!(check_link("bin/tool", "../lib/tool.php", &none).is_ok());
        assert!(check_link("bin/tool", "../../etc", &none).is_err());
        assert!(check_link("tool", "/etc/passwd", &none).is_err());
        // "q" → "." is harmless alone, but "x" → "q/.." through it would reach the parent.
        let links: HashSet<String> = ["q".to_string()].into();
        assert!(check_link("sub/x", "../q/..", &links).is_err());
        assert!(check_not_through_link("q/file", &links).is_err());
        assert!(check_not_through_link("qq/file", &links).is_ok());
    }
}
