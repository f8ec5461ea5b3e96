//! [`EventType`]: the one table of event types. Every name and code of an
//! event type is written here once; [`EventKind::type_name`], the JSON
//! decoder and the binary encoding all come from it.
//!
//! | code | wire name | code | wire name |
//! |---|---|---|---|
//! | 0 | `thread_start` | 14 | `sem_acquired` |
//! | 1 | `thread_exit` | 15 | `sem_released` |
//! | 2 | `fork` | 16 | `event_set` |
//! | 3 | `join_request` | 17 | `event_clear` |
//! | 4 | `join` | 18 | `event_wait` |
//! | 5 | `request` | 19 | `event_woken` |
//! | 6 | `acquired` | 20 | `barrier_wait` |
//! | 7 | `try_failed` | 21 | `barrier_passed` |
//! | 8 | `released` | 22 | `read` |
//! | 9 | `upgraded` | 23 | `write` |
//! | 10 | `downgraded` | 24 | `update` |
//! | 11 | `cond_wait` | 25 | `begin` |
//! | 12 | `cond_woken` | 26 | `end` |
//! | 13 | `notify` | 27 | `note` |
//! | | | 28 | `scheduled` |
//!
//! The code is the type's number in the binary encoding
//! (`docs/trace-format.md`); codes never change within a major version.
//!
//! [`EventKind::type_name`]: super::event::EventKind::type_name

/// Defines [`EventType`] from `Variant = code, "wire_name";` rows.
macro_rules! event_types {
    ($($variant:ident = $code:literal, $name:literal;)*) => {
        /// The type of an [`EventKind`](super::event::EventKind), without
        /// its operands: one per wire `"type"`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum EventType {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant = $code,
            )*
        }

        impl EventType {
            /// How many event types there are.
            pub const COUNT: usize = [$($name),*].len();

            /// Every type, in code order.
            pub const ALL: [EventType; Self::COUNT] = [$(EventType::$variant),*];

            /// Every wire name, in code order.
            pub const NAMES: [&'static str; Self::COUNT] = [$($name),*];

            /// The wire name (`"acquired"`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                }
            }

            /// The type with wire name `name`.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(EventType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    ThreadStart = 0, "thread_start";
    ThreadExit = 1, "thread_exit";
    Fork = 2, "fork";
    JoinRequest = 3, "join_request";
    Join = 4, "join";
    Request = 5, "request";
    Acquired = 6, "acquired";
    TryFailed = 7, "try_failed";
    Released = 8, "released";
    Upgraded = 9, "upgraded";
    Downgraded = 10, "downgraded";
    CondWait = 11, "cond_wait";
    CondWoken = 12, "cond_woken";
    Notify = 13, "notify";
    SemAcquired = 14, "sem_acquired";
    SemReleased = 15, "sem_released";
    EventSet = 16, "event_set";
    EventClear = 17, "event_clear";
    EventWait = 18, "event_wait";
    EventWoken = 19, "event_woken";
    BarrierWait = 20, "barrier_wait";
    BarrierPassed = 21, "barrier_passed";
    Read = 22, "read";
    Write = 23, "write";
    Update = 24, "update";
    Begin = 25, "begin";
    End = 26, "end";
    Note = 27, "note";
    Scheduled = 28, "scheduled";
}

impl EventType {
    /// The binary encoding's number for this type.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The type numbered `code` in the binary encoding.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_positions_and_names_parse_back() {
        for (i, ty) in EventType::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(ty.code()), i);
            assert_eq!(EventType::from_code(ty.code()), Some(ty));
            assert_eq!(EventType::parse(ty.name()), Some(ty));
            assert_eq!(EventType::NAMES[i], ty.name());
        }
        assert_eq!(EventType::from_code(EventType::COUNT as u8), None);
        assert_eq!(EventType::parse("aquired"), None);
    }

    #[test]
    fn the_module_table_lists_every_code() {
        let docs = include_str!("event_type.rs");
        for ty in EventType::ALL {
            let cell = format!("| {} | `{}` |", ty.code(), ty.name());
            assert!(docs.contains(&cell), "module docs lack {cell}");
        }
    }
}
