//! Parser tests (filled below).
