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
use std::path::PathBuf;

use anyhow::bail;

/// The parts of an archive entry's name, checked: never absolute, never `..`.
pub fn safe_parts(name: &str) -> anyhow::Result<Vec<&str>> {
    let absolute =
        name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':');
    if absolute {
        bail!("refused \"{name}\": an absolute path would be written outside the target");
    }
    if name.contains('\0') {
        bail!("refused \"{name}\": a name with a NUL byte");
    }
    let mut parts = Vec::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => bail!("refused \"{name}\": \"..\" would climb out of the target"),
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        bail!("refused \"{name}\": an empty name");
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
        bail!("refused link \"{name}\": it points to the absolute path \"{target}\"");
    }
    let mut place = safe_parts(name)?;
    place.pop();
    for part in target.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if place.pop().is_none() {
                    bail!("refused link \"{name}\": \"{target}\" points outside the target");
                }
            }
            part => {
                place.push(part);
                if links.contains(&place.join("/")) {
                    bail!(
                        "refused link \"{name}\": \"{target}\" goes through another link, \"{}\"",
                        place.join("/")
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
            bail!("refused \"{name}\": it would be written through the link \"{prefix}\"");
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
