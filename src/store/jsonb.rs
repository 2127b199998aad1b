//! The rows of a bulk insert as one value the database unpacks: a JSON array of arrays of
//! cells — as text for PostgreSQL (serde), and for SQLite in SQLite's own binary JSON
//! (JSONB, SQLite 3.45+; the format is at <https://sqlite.org/jsonb.html>). SQLite reads
//! a JSONB argument as it stands, where a text argument is parsed into that form whole
//! first and each string's escapes undone again when `->>` reads it.
//!
//! A JSONB element is a header — its type in the low four bits of the first byte, its
//! payload's size in the high four (0–11), or in the 1, 2, 4 or 8 big-endian bytes that
//! follow when they hold 12, 13, 14 or 15 — and its payload. Strings go as raw text (type
//! 10), so a quote or a newline in a story needs no escaping either way.

use serde::Serialize;

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(&'a str),
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<Option<i64>> for Cell<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Self::Null, Self::Int)
    }
}

impl From<bool> for Cell<'_> {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Self::Text(s)
    }
}

const NULL: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const INT: u8 = 3;
const TEXT_RAW: u8 = 10;
const ARRAY: u8 = 11;

/// The bytes of the header of an element of type `kind` with `size` bytes of payload.
fn header(kind: u8, size: usize) -> ([u8; 9], usize) {
    let mut h = [0; 9];
    let len = match size {
        0..=11 => {
            // Sizes up to 11 sit in the type byte's upper half.
            let [.., low] = size.to_be_bytes();
            h[0] = kind | low << 4;
            return (h, 1);
        }
        12..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xffff_ffff => 4,
        _ => 8,
    };
    h[0] = kind
        | match len {
            1 => 0xc0,
            2 => 0xd0,
            4 => 0xe0,
            _ => 0xf0,
        };
    h[1..=len].copy_from_slice(&(size as u64).to_be_bytes()[8 - len..]);
    (h, len + 1)
}

fn push_header(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (h, n) = header(kind, size);
    out.extend_from_slice(&h[..n]);
}

/// The rows as one JSON text array of arrays (for PostgreSQL).
pub fn text<const N: usize>(rows: &[[Cell<'_>; N]]) -> String {
    let rows: Vec<&[Cell]> = rows.iter().map(<[Cell; N]>::as_slice).collect();
    // Cells are numbers, booleans, null and strings: nothing that can fail to serialise.
    serde_json::to_string(&rows).unwrap_or_default()
}

/// The rows as one JSONB array of arrays.
pub fn array<const N: usize>(rows: &[[Cell<'_>; N]]) -> Vec<u8> {
    let mut ints = itoa::Buffer::new();
    let text_len: usize = rows.iter().flatten().map(|c| if let Cell::Text(s) = c { s.len() } else { 0 }).sum();
    // Room for every cell's header and payload, so the buffer grows at most once.
    let mut out = Vec::with_capacity(9 + text_len + rows.len() * (9 + N * 21));
    out.extend_from_slice(&[0; 9]);
    for row in rows {
        let size: usize = row
            .iter()
            .map(|c| match c {
                Cell::Null | Cell::Bool(_) => 1,
                Cell::Int(n) => {
                    let len = ints.format(*n).len();
                    header(INT, len).1 + len
                }
                Cell::Text(s) => header(TEXT_RAW, s.len()).1 + s.len(),
            })
            .sum();
        push_header(&mut out, ARRAY, size);
        for c in row {
            match c {
                Cell::Null => out.push(NULL),
                Cell::Bool(b) => out.push(if *b { TRUE } else { FALSE }),
                Cell::Int(n) => {
                    let digits = ints.format(*n);
                    push_header(&mut out, INT, digits.len());
                    out.extend_from_slice(digits.as_bytes());
                }
                Cell::Text(s) => {
                    push_header(&mut out, TEXT_RAW, s.len());
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
    }
    // The outer header, at its smallest, in front of the rows.
    let (h, n) = header(ARRAY, out.len() - 9);
    out[9 - n..9].copy_from_slice(&h[..n]);
    out.drain(..9 - n);
    out
}

#[cfg(test)]
mod tests {
    use super::{Cell, array, header};

    #[test]
    fn headers_take_the_fewest_bytes_that_hold_the_size() {
        assert_eq!(header(10, 0), ([0x0a, 0, 0, 0, 0, 0, 0, 0, 0], 1));
        assert_eq!(header(10, 11).0[0], 0xba);
        assert_eq!(&header(11, 12).0[..2], [0xcb, 12]);
        assert_eq!(&header(11, 0x1234).0[..3], [0xdb, 0x12, 0x34]);
        assert_eq!(&header(3, 0x1_0000).0[..5], [0xe3, 0, 1, 0, 0]);
        assert_eq!(header(3, 1 << 33).1, 9);
        assert_eq!(array::<1>(&[]), [0x0b]);
        // [[7, "ab"]]: a 5-byte row inside a 6-byte array.
        assert_eq!(array(&[[Cell::Int(7), Cell::Text("ab")]]), [0x6b, 0x5b, 0x13, b'7', 0x2a, b'a', b'b']);
    }

    #[test]
    fn the_text_form_is_plain_json() {
        let rows = [[Cell::Int(-3), Cell::Null, Cell::Bool(true), Cell::Text("a\"b")]];
        assert_eq!(super::text(&rows), r#"[[-3,null,true,"a\"b"]]"#);
    }

    type Got = (i64, Option<i64>, String, i64, Option<i64>, String);

    #[test]
    fn sqlite_reads_every_cell_back_as_it_was() {
        let text = "a \"quote\", a \\ and\na line; ünïcødé ✓ and \u{1}";
        let long = "x".repeat(70_000);
        let rows: Vec<[Cell; 4]> = (0..300_i64)
            .map(|i| match i % 3 {
                0 => [Cell::Int(i), text.into(), true.into(), Cell::Null],
                1 => [Cell::Null, long.as_str().into(), false.into(), Cell::Int(i64::MIN)],
                _ => [Cell::Int(i64::MAX), "".into(), true.into(), Some(-i).into()],
            })
            .collect();
        let blob = array(&rows);
        assert!(blob.len() > 100 * 70_000, "a payload past 2^16 and 2^24 bytes");
        let db = rusqlite::Connection::open_in_memory().unwrap();
        assert_eq!(db.query_row("SELECT json_valid(?, 8)", [&blob], |r| r.get::<_, i64>(0)).unwrap(), 1);
        let mut q = db
            .prepare(
                "SELECT key, value->>0, value->>1, value->>2, value->>3, json_type(value, '$[3]') \
                 FROM jsonb_each(?) ORDER BY key",
            )
            .unwrap();
        let got: Vec<Got> = q
            .query_map([&blob], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 300);
        for (i, g) in (0_i64..).zip(&got) {
            let want: Got = match i % 3 {
                0 => (i, Some(i), text.to_string(), 1, None, "null".into()),
                1 => (i, None, long.clone(), 0, Some(i64::MIN), "integer".into()),
                _ => (i, Some(i64::MAX), String::new(), 1, Some(-i), "integer".into()),
            };
            assert_eq!(*g, want, "row {i}");
        }
    }
}
