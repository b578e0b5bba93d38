//! Plain position types shared by the LSP layer and the text layer.

/// How LSP `character` offsets are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PositionEncoding {
    /// Bytes of UTF-8; cheapest for us since the rope stores UTF-8.
    Utf8,
    /// UTF-16 code units; the LSP default every client must support.
    #[default]
    Utf16,
    /// Unicode scalar values.
    Utf32,
}

impl PositionEncoding {
    /// Negotiate from the client's offered list of names ("utf-8", "utf-16",
    /// "utf-32"): prefer utf-8 (no conversion needed), then utf-32 (still a
    /// cheap char count), then utf-16. The LSP spec mandates utf-16 when the
    /// client offers nothing we know.
    pub fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> Self {
        let mut best: Option<Self> = None;
        for name in offered {
            let candidate = match name {
                "utf-8" => Self::Utf8,
                "utf-32" => Self::Utf32,
                "utf-16" => Self::Utf16,
                _ => continue,
            };
            if best.is_none_or(|b| candidate.preference() < b.preference()) {
                best = Some(candidate);
            }
        }
        best.unwrap_or_default()
    }

    /// The LSP wire name of the encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Utf16 => "utf-16",
            Self::Utf32 => "utf-32",
        }
    }

    /// Lower is better.
    fn preference(self) -> u8 {
        match self {
            Self::Utf8 => 0,
            Self::Utf32 => 1,
            Self::Utf16 => 2,
        }
    }
}

/// An LSP position: zero-based line and zero-based `character` counted in the
/// negotiated [`PositionEncoding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub const fn new(line: u32, character: u32) -> Self {
        Self { line, character }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-002.
#[cfg(test)]
mod tests {
    use super::PositionEncoding::{self, Utf8, Utf16, Utf32};

    #[test]
    fn negotiate_prefers_utf8_then_utf32_then_utf16() {
        assert_eq!(PositionEncoding::negotiate(["utf-16", "utf-32", "utf-8"]), Utf8);
        assert_eq!(PositionEncoding::negotiate(["utf-16", "utf-32"]), Utf32);
        assert_eq!(PositionEncoding::negotiate(["utf-32", "utf-16"]), Utf32);
        assert_eq!(PositionEncoding::negotiate(["utf-16"]), Utf16);
    }

    #[test]
    fn negotiate_falls_back_to_utf16_when_empty_or_unknown() {
        assert_eq!(PositionEncoding::negotiate([]), Utf16);
        assert_eq!(PositionEncoding::negotiate(["latin-1", "UTF8"]), Utf16);
        assert_eq!(PositionEncoding::negotiate(["latin-1", "utf-32"]), Utf32);
    }

    #[test]
    fn as_str_names_round_trip_through_negotiate() {
        for enc in [Utf8, Utf16, Utf32] {
            assert_eq!(PositionEncoding::negotiate([enc.as_str()]), enc);
        }
        assert_eq!(Utf8.as_str(), "utf-8");
        assert_eq!(Utf16.as_str(), "utf-16");
        assert_eq!(Utf32.as_str(), "utf-32");
    }
}
