//! Lock classes: an identity of a lock that does not depend on a counter,
//! so that locks of several traces (test processes) and several instances
//! of one kind of lock can be compared, as lockdep compares lock classes.
//!
//! A lock's class is, in this order:
//! - its name, when it has one (`Mutex::named("accounts", ..)`);
//! - the class its declaration gives (the recorder gives a lock inside a
//!   `static` its symbol, `bank::A`, stable across processes of one build);
//! - its creation site, when the trace has one (every lock created at one
//!   `Account::new` line is one class), unless that site is the lock's
//!   first acquisition: a lock made by a `const fn` is declared at its
//!   first use (the recorder cannot see its creation), and a first use
//!   says which method touched the lock first, not what lock it is (every
//!   lock behind a crate's own `RwLock` wrapper is first taken on one of
//!   the wrapper's two lines);
//! - otherwise the lock itself, in its trace only: STD traces name their
//!   locks `L0`, `L1`, ... in every program, so neither name nor label
//!   compares across traces.
//!
//! The kind is part of the class: a mutex and a rwlock of one name are two
//! classes.

use crate::trace::{ObjId, SiteId, TraceMeta};

/// Each lock's first acquisition (or request) site in one trace, kept only
/// for the locks whose class could be their declared site (no name, no
/// class, a site): 4 bytes per lock id up to the highest such lock.
#[derive(Debug, Default)]
pub struct FirstSites {
    /// By lock id: the site id, [`NO_SITE`] for a use without one,
    /// [`UNSEEN`] before the first use.
    sites: Vec<u32>,
}

const UNSEEN: u32 = u32::MAX;
const NO_SITE: u32 = u32::MAX - 1;

impl FirstSites {
    /// Notes a request or acquisition of `o` at `site`; only the first
    /// counts.
    pub fn saw(&mut self, meta: &TraceMeta, o: ObjId, site: Option<SiteId>) {
        let p = meta.primitive(o);
        if p.name.is_some() || p.class.is_some() || p.site.is_none() {
            return;
        }
        let i = o.index();
        crate::dense::grow(&mut self.sites, i, || UNSEEN);
        if self.sites[i] == UNSEEN {
            self.sites[i] = site.map_or(NO_SITE, |s| s.0);
        }
    }

    /// Whether `site` is where `o` was first used.
    fn is_first_use(&self, o: ObjId, site: SiteId) -> bool {
        self.sites.get(o.index()) == Some(&site.0)
    }
}

/// The class of lock `o` of trace number `trace`: its key, and the trace it
/// is local to when it has no identity beyond that trace. `first` holds the
/// trace's first acquisition sites.
pub fn of(meta: &TraceMeta, trace: usize, o: ObjId, first: &FirstSites) -> (String, Option<usize>) {
    let p = meta.primitive(o);
    let kind = p.kind.as_str();
    if let Some(name) = &p.name {
        return (format!("{kind} named {name}"), None);
    }
    if let Some(class) = &p.class {
        return (format!("{kind} {class}"), None);
    }
    match p.site {
        Some(s) if !first.is_first_use(o, s) => {
            (format!("{kind} created at {}", meta.site(s)), None)
        }
        _ => (format!("{kind} {}#{trace}", p.label), Some(trace)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{PrimitiveInfo, PrimitiveKind, Site, SourceFormat};

    #[test]
    fn name_then_creation_site_then_the_trace_alone() {
        let mut meta = TraceMeta::new(SourceFormat::JsonLines);
        let site = meta.push_site(Site::Source {
            file: "src/bank.rs".into(),
            line: 6,
            column: 9,
        });
        let mut lock = |label: &str, name: Option<&str>, site| -> ObjId {
            meta.push_primitive(PrimitiveInfo {
                label: label.into(),
                kind: PrimitiveKind::Mutex,
                name: name.map(str::to_owned),
                site,
                permits: None,
                rank: None,
                class: None,
            })
        };
        let named = lock("1", Some("a"), Some(site));
        let sited = lock("2", None, Some(site));
        let bare = lock("3", None, None);
        let in_static = lock("4", None, Some(site));
        meta.primitives[in_static.index()].class = Some("bank::A".into());
        let none = FirstSites::default();
        assert_eq!(
            of(&meta, 0, in_static, &none),
            ("mutex bank::A".into(), None)
        );
        assert_eq!(of(&meta, 0, named, &none), ("mutex named a".into(), None));
        assert_eq!(
            of(&meta, 0, sited, &none),
            ("mutex created at src/bank.rs:6:9".into(), None)
        );
        assert_eq!(of(&meta, 4, bare, &none), ("mutex 3#4".into(), Some(4)));
        // Declared at its first use: a class of its own in its trace.
        let mut first = FirstSites::default();
        first.saw(&meta, sited, Some(site));
        assert_eq!(of(&meta, 4, sited, &first), ("mutex 2#4".into(), Some(4)));
    }
}
