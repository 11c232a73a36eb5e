//! Module names: the dotted names a Python file is imported by (its
//! `__init__.py` package chain, its path below each directory given on the
//! command line and below a `src/` directory), the `crate::` path of a Rust
//! file, and relative imports and paths made absolute. The project index
//! keys its modules by these names.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Computes the dotted names of Python files from their place on disk.
pub struct ModuleNamer {
    roots: Vec<PathBuf>,
    init_cache: HashMap<PathBuf, bool>,
}

impl ModuleNamer {
    /// `roots` are the directories given on the command line.
    pub fn new(roots: &[PathBuf]) -> Self {
        ModuleNamer {
            roots: roots.iter().filter(|r| r.is_dir()).cloned().collect(),
            init_cache: HashMap::new(),
        }
    }

    fn is_package(&mut self, dir: &Path) -> bool {
        if let Some(known) = self.init_cache.get(dir) {
            return *known;
        }
        let is_package = dir.join("__init__.py").is_file();
        self.init_cache.insert(dir.to_path_buf(), is_package);
        is_package
    }

    /// All names a file may be imported by, and its own package. The first
    /// name is the canonical one.
    pub fn names(&mut self, path: &Path) -> (Vec<String>, Option<String>) {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            return (Vec::new(), None);
        };
        let is_init = stem == "__init__";
        let mut names = Vec::new();

        // The `__init__.py` chain: a/b/c.py with a/__init__.py and a/b/__init__.py is a.b.c.
        let mut parts: Vec<String> = if is_init { Vec::new() } else { vec![stem.to_string()] };
        let mut dir = path.parent().map(Path::to_path_buf);
        let mut chain_len = 0;
        while let Some(d) = dir {
            if d.as_os_str().is_empty() || !self.is_package(&d) {
                break;
            }
            match d.file_name().and_then(|n| n.to_str()) {
                Some(name) => parts.push(name.to_string()),
                None => break,
            }
            chain_len += 1;
            dir = d.parent().map(Path::to_path_buf);
        }
        parts.reverse();
        let canonical = parts.join(".");
        let package = if chain_len > 0 {
            let mut package = parts.clone();
            if !is_init {
                package.pop();
            }
            Some(package.join("."))
        } else {
            None
        };
        if !canonical.is_empty() {
            names.push(canonical);
        }

        // Below each root given on the command line, and below `src/`.
        let mut bases: Vec<PathBuf> = self.roots.clone();
        let mut ancestor = path.parent();
        while let Some(a) = ancestor {
            if a.file_name().is_some_and(|n| n == "src") {
                bases.push(a.to_path_buf());
            }
            ancestor = a.parent();
        }
        for base in bases {
            if let Ok(relative) = path.strip_prefix(&base) {
                let mut segments: Vec<String> = relative
                    .parent()
                    .into_iter()
                    .flat_map(|p| p.components())
                    .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
                    .collect();
                if !is_init {
                    segments.push(stem.to_string());
                }
                if !segments.is_empty() && segments.iter().all(|s| is_identifier(s)) {
                    let name = segments.join(".");
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        // A file outside any package imports its siblings relative to its directory.
        let package = package.or_else(|| {
            names
                .first()
                .map(|n| n.rsplit_once('.').map(|(p, _)| p.to_string()).unwrap_or_default())
        });
        (names, package)
    }
}

/// The module path of a Rust file inside a crate's `src/` directory:
/// `src/lib.rs` and `src/main.rs` are `crate`, `src/auth/mod.rs` and
/// `src/auth.rs` are `crate::auth`. `None` outside a `src/` directory.
pub fn rust_module_path(path: &Path) -> Option<String> {
    let components: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    let src = components.iter().rposition(|c| *c == "src")?;
    let mut segments: Vec<&str> = components[src + 1..].to_vec();
    let file = segments.pop()?;
    let stem = file.strip_suffix(".rs")?;
    if !(segments.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
        segments.push(stem);
    }
    if !segments.iter().all(|s| is_identifier(s)) {
        return None;
    }
    let mut path = vec!["crate"];
    path.extend(segments);
    Some(path.join("::"))
}

/// Makes a Rust path absolute: `super::config::KEY` seen from
/// `crate::api::auth` is `crate::api::config::KEY`.
pub fn absolute_rust_path(path: &str, module: Option<&str>) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    match segments.first().copied() {
        Some("crate") => Some(path.to_string()),
        Some("self") => {
            segments.remove(0);
            Some(format!("{}::{}", module?, segments.join("::")))
        }
        Some("super") => {
            let mut base: Vec<&str> = module?.split("::").collect();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                if base.len() <= 1 {
                    return None;
                }
                base.pop();
            }
            base.extend(segments);
            Some(base.join("::"))
        }
        _ => None,
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Turns a relative import path (`.config.KEY`, `..util`) into an absolute
/// one given the importing module's package.
pub fn absolute_import(path: &str, package: Option<&str>) -> Option<String> {
    if !path.starts_with('.') {
        return Some(path.to_string());
    }
    let dots = path.chars().take_while(|c| *c == '.').count();
    let rest = &path[dots..];
    let mut base: Vec<&str> = package?.split('.').filter(|s| !s.is_empty()).collect();
    for _ in 1..dots {
        base.pop()?;
    }
    let mut full = base.join(".");
    if !rest.is_empty() {
        if !full.is_empty() {
            full.push('.');
        }
        full.push_str(rest);
    }
    Some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_become_absolute() {
        assert_eq!(
            absolute_import(".config.KEY", Some("app.core")).as_deref(),
            Some("app.core.config.KEY")
        );
        assert_eq!(absolute_import("..util", Some("app.core")).as_deref(), Some("app.util"));
        assert_eq!(absolute_import("jwt.decode", None).as_deref(), Some("jwt.decode"));
        assert_eq!(absolute_import(".x", None), None);
    }

    #[test]
    fn rust_module_paths_and_relative_paths() {
        assert_eq!(rust_module_path(Path::new("svc/src/lib.rs")).as_deref(), Some("crate"));
        assert_eq!(
            rust_module_path(Path::new("svc/src/auth/mod.rs")).as_deref(),
            Some("crate::auth")
        );
        assert_eq!(
            rust_module_path(Path::new("svc/src/auth/keys.rs")).as_deref(),
            Some("crate::auth::keys")
        );
        assert_eq!(rust_module_path(Path::new("scripts/x.rs")), None);
        assert_eq!(
            absolute_rust_path("super::config::KEY", Some("crate::api::auth")).as_deref(),
            Some("crate::api::config::KEY")
        );
        assert_eq!(
            absolute_rust_path("self::K", Some("crate::a")).as_deref(),
            Some("crate::a::K")
        );
        assert_eq!(absolute_rust_path("jsonwebtoken::decode", Some("crate")), None);
    }

    #[test]
    fn names_from_packages_roots_and_src_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "proj/src/app/__init__.py",
            "proj/src/app/core/__init__.py",
            "proj/src/app/core/config.py",
            "proj/settings.py",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let mut namer = ModuleNamer::new(&[root.join("proj")]);
        let (names, package) = namer.names(&root.join("proj/src/app/core/config.py"));
        assert_eq!(names[0], "app.core.config");
        assert!(names.contains(&"src.app.core.config".to_string()));
        assert_eq!(package.as_deref(), Some("app.core"));
        let (names, _) = namer.names(&root.join("proj/settings.py"));
        assert_eq!(names, ["settings"]);
    }
}
