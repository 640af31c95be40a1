//! Image File Directories: the entry table of one IFD and typed, bounds-checked access to the
//! values of its tags.

use crate::error::{DecodeError, Fallible, format_err};
use crate::header::{Reader, slice_at};
use crate::limits::Limits;

/// One IFD entry: a tag, its TIFF field type, its value count and where its values lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Tag number.
    pub tag: u16,
    /// TIFF field type (1 BYTE .. 18 IFD8).
    pub field_type: u16,
    /// Number of values.
    pub count: u64,
    /// File offset of the first value (inside the entry itself when the values fit there).
    pub offset: u64,
}

/// Size in bytes of one value of a TIFF field type, `None` for unknown types.
fn type_size(field_type: u16) -> Option<u64> {
    match field_type {
        1 | 2 | 6 | 7 => Some(1),
        3 | 8 => Some(2),
        4 | 9 | 11 | 13 => Some(4),
        5 | 10 | 12 | 16 | 17 | 18 => Some(8),
        _ => None,
    }
}

/// The first `N` bytes of `c` as an array (zeros when `c` is shorter, which the callers'
/// `chunks_exact` of the type's size rules out).
fn arr<const N: usize>(c: &[u8]) -> [u8; N] {
    c.get(..N).and_then(|b| b.try_into().ok()).unwrap_or([0; N])
}

/// A parsed IFD: its entries sorted by tag (the first of duplicates kept, as libtiff does) and
/// the offset of the next IFD (0 at the end of the chain).
#[derive(Debug, Clone)]
pub(crate) struct Ifd {
    entries: Vec<Entry>,
    /// Offset of the next IFD, 0 when this is the last.
    pub next: u64,
}

impl Ifd {
    /// Parses the IFD at `offset`.
    pub fn parse(r: Reader<'_>, bigtiff: bool, offset: u64, limits: &Limits) -> Fallible<Ifd> {
        let (count, entry_size, count_size, inline) = if bigtiff {
            (r.u64(offset)?, 20u64, 8u64, 8u64)
        } else {
            (u64::from(r.u16(offset)?), 12, 2, 4)
        };
        if count > limits.max_ifd_entries {
            return Err(DecodeError::Limit(format!(
                "IFD at offset {offset} declares {count} entries (limit {})",
                limits.max_ifd_entries
            )));
        }
        let truncated = || {
            format_err!(
                "truncated: the IFD at offset {offset} ({count} entries) runs past the end of the file"
            )
        };
        let first = offset.checked_add(count_size).ok_or_else(truncated)?;
        let table_len = count.checked_mul(entry_size).ok_or_else(truncated)?;
        let table = slice_at(r.data, first, table_len).ok_or_else(truncated)?;
        let mut entries = Vec::with_capacity(table.len() / 20 + 1);
        // The table lies inside the file, so these positions cannot overflow.
        for i in 0..count {
            let pos = first + i * entry_size;
            let tag = r.u16(pos)?;
            let field_type = r.u16(pos + 2)?;
            let count = if bigtiff {
                r.u64(pos + 4)?
            } else {
                u64::from(r.u32(pos + 4)?)
            };
            let value_pos = pos + if bigtiff { 12 } else { 8 };
            let fits_inline = type_size(field_type)
                .and_then(|s| s.checked_mul(count))
                .is_some_and(|len| len <= inline);
            let offset = if fits_inline {
                value_pos
            } else if bigtiff {
                r.u64(value_pos)?
            } else {
                u64::from(r.u32(value_pos)?)
            };
            entries.push(Entry {
                tag,
                field_type,
                count,
                offset,
            });
        }
        // A stable sort keeps the first of duplicated tags first, which `get` then finds.
        entries.sort_by_key(|e| e.tag);
        let next_pos = first + table_len;
        let next = if bigtiff {
            r.u64(next_pos)?
        } else {
            u64::from(r.u32(next_pos)?)
        };
        Ok(Ifd { entries, next })
    }

    /// The entry of `tag`, if present.
    pub fn get(&self, tag: u16) -> Option<&Entry> {
        let i = self.entries.partition_point(|e| e.tag < tag);
        self.entries.get(i).filter(|e| e.tag == tag)
    }
}

/// Typed access to the values of one IFD's tags, every read checked against the file's length
/// and [`Limits::max_tag_bytes`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Values<'a> {
    /// The file.
    pub r: Reader<'a>,
    /// The IFD.
    pub ifd: &'a Ifd,
    /// Bound on one tag's bytes.
    pub max_tag_bytes: u64,
}

impl<'a> Values<'a> {
    /// The raw bytes of an entry's values and the size of one value.
    fn raw(&self, e: &Entry) -> Fallible<(&'a [u8], usize)> {
        let size = type_size(e.field_type)
            .ok_or_else(|| format_err!("tag {} has unknown field type {}", e.tag, e.field_type))?;
        let len = size
            .checked_mul(e.count)
            .filter(|&l| l <= self.max_tag_bytes)
            .ok_or_else(|| {
                DecodeError::Limit(format!(
                    "tag {} declares {} values (more than the {}-byte tag limit)",
                    e.tag, e.count, self.max_tag_bytes
                ))
            })?;
        let bytes = slice_at(self.r.data, e.offset, len).ok_or_else(|| {
            format_err!(
                "truncated: the {} values of tag {} at offset {} lie past the end of the file",
                e.count,
                e.tag,
                e.offset
            )
        })?;
        Ok((bytes, size as usize))
    }

    /// The values of `tag` as unsigned integers (BYTE, SHORT, LONG, LONG8 and the IFD types);
    /// `None` when the tag is absent.
    pub fn uints(&self, tag: u16) -> Fallible<Option<Vec<u64>>> {
        let Some(e) = self.ifd.get(tag) else {
            return Ok(None);
        };
        let (bytes, size) = self.raw(e)?;
        let o = self.r.order;
        let values = match e.field_type {
            1 | 7 => bytes.iter().map(|&b| u64::from(b)).collect(),
            3 => bytes
                .chunks_exact(size)
                .map(|c| u64::from(o.u16(arr(c))))
                .collect(),
            4 | 13 => bytes
                .chunks_exact(size)
                .map(|c| u64::from(o.u32(arr(c))))
                .collect(),
            16 | 18 => bytes.chunks_exact(size).map(|c| o.u64(arr(c))).collect(),
            t => {
                return Err(format_err!(
                    "tag {tag} has field type {t}, expected an unsigned integer"
                ));
            }
        };
        Ok(Some(values))
    }

    /// The first value of `tag` as an unsigned integer; `None` when absent or empty.
    pub fn uint(&self, tag: u16) -> Fallible<Option<u64>> {
        Ok(self.uints(tag)?.and_then(|v| v.first().copied()))
    }

    /// The values of `tag` as f64 (DOUBLE, FLOAT, the integer types and rationals).
    pub fn floats(&self, tag: u16) -> Fallible<Option<Vec<f64>>> {
        let Some(e) = self.ifd.get(tag) else {
            return Ok(None);
        };
        let (bytes, size) = self.raw(e)?;
        let o = self.r.order;
        let u32_at = |c: &[u8], i: usize| o.u32(arr(c.get(i..).unwrap_or(&[])));
        let chunks = bytes.chunks_exact(size);
        let values = match e.field_type {
            12 => chunks.map(|c| f64::from_bits(o.u64(arr(c)))).collect(),
            11 => chunks
                .map(|c| f64::from(f32::from_bits(u32_at(c, 0))))
                .collect(),
            5 => chunks
                .map(|c| f64::from(u32_at(c, 0)) / f64::from(u32_at(c, 4)))
                .collect(),
            10 => chunks
                .map(|c| f64::from(u32_at(c, 0) as i32) / f64::from(u32_at(c, 4) as i32))
                .collect(),
            8 => chunks.map(|c| f64::from(o.u16(arr(c)) as i16)).collect(),
            9 => chunks.map(|c| f64::from(u32_at(c, 0) as i32)).collect(),
            6 => bytes.iter().map(|&b| f64::from(b as i8)).collect(),
            _ => match self.uints(tag)? {
                Some(v) => v.into_iter().map(|x| x as f64).collect(),
                None => Vec::new(),
            },
        };
        Ok(Some(values))
    }

    /// The bytes of `tag` as text (ASCII, or BYTE/UNDEFINED holding text), invalid UTF-8
    /// replaced; `None` when absent.
    pub fn text(&self, tag: u16) -> Fallible<Option<String>> {
        let Some(e) = self.ifd.get(tag) else {
            return Ok(None);
        };
        match e.field_type {
            1 | 2 | 7 => {
                let (bytes, _) = self.raw(e)?;
                Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
            }
            t => Err(format_err!("tag {tag} has field type {t}, expected ASCII")),
        }
    }
}
