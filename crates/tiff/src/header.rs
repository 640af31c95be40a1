//! The TIFF header: byte order, classic TIFF or BigTIFF, and the first IFD's offset; plus the
//! bounds-checked reads of integers at file offsets that every parser uses.

use crate::error::{Fallible, format_err};

/// The byte order of a TIFF file (`II` little-endian, `MM` big-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `II`: least significant byte first.
    Little,
    /// `MM`: most significant byte first.
    Big,
}

impl ByteOrder {
    /// The byte order of the machine running this code.
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "little") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };

    /// True when values in this order must be byte-swapped to be used natively.
    pub fn needs_swap(self) -> bool {
        self != ByteOrder::NATIVE
    }

    /// A `u16` from two bytes in this order.
    pub(crate) fn u16(self, b: [u8; 2]) -> u16 {
        match self {
            ByteOrder::Little => u16::from_le_bytes(b),
            ByteOrder::Big => u16::from_be_bytes(b),
        }
    }

    /// A `u32` from four bytes in this order.
    pub(crate) fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            ByteOrder::Little => u32::from_le_bytes(b),
            ByteOrder::Big => u32::from_be_bytes(b),
        }
    }

    /// A `u64` from eight bytes in this order.
    pub(crate) fn u64(self, b: [u8; 8]) -> u64 {
        match self {
            ByteOrder::Little => u64::from_le_bytes(b),
            ByteOrder::Big => u64::from_be_bytes(b),
        }
    }
}

/// `len` bytes of `data` at `offset`, or `None` when any of it lies outside.
pub(crate) fn slice_at(data: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    data.get(start..end)
}

/// `N` bytes at `offset` as an array.
fn array_at<const N: usize>(data: &[u8], offset: u64) -> Fallible<[u8; N]> {
    slice_at(data, offset, N as u64)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| {
            format_err!(
                "truncated: {N} bytes at offset {offset} lie past the end of the file ({} bytes)",
                data.len()
            )
        })
}

/// Reads integers of a file's byte order at checked offsets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    /// The whole file.
    pub data: &'a [u8],
    /// The file's byte order.
    pub order: ByteOrder,
}

impl Reader<'_> {
    /// The `u16` at `offset`.
    pub fn u16(&self, offset: u64) -> Fallible<u16> {
        Ok(self.order.u16(array_at(self.data, offset)?))
    }

    /// The `u32` at `offset`.
    pub fn u32(&self, offset: u64) -> Fallible<u32> {
        Ok(self.order.u32(array_at(self.data, offset)?))
    }

    /// The `u64` at `offset`.
    pub fn u64(&self, offset: u64) -> Fallible<u64> {
        Ok(self.order.u64(array_at(self.data, offset)?))
    }
}

/// The parsed 8- or 16-byte TIFF header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Byte order of every multi-byte value in the file.
    pub order: ByteOrder,
    /// BigTIFF (magic 43, 64-bit offsets) rather than classic TIFF (magic 42).
    pub bigtiff: bool,
    /// Offset of the first IFD.
    pub first_ifd: u64,
}

impl Header {
    /// Parses the header at the start of `data`.
    pub fn parse(data: &[u8]) -> Fallible<Header> {
        let order = match data.get(..2) {
            Some(b"II") => ByteOrder::Little,
            Some(b"MM") => ByteOrder::Big,
            _ => return Err(format_err!("not a TIFF file (no II/MM byte-order mark)")),
        };
        let r = Reader { data, order };
        match r.u16(2)? {
            42 => Ok(Header {
                order,
                bigtiff: false,
                first_ifd: u64::from(r.u32(4)?),
            }),
            43 => {
                let (offset_size, zero) = (r.u16(4)?, r.u16(6)?);
                if offset_size != 8 || zero != 0 {
                    return Err(format_err!(
                        "bad BigTIFF header (offset size {offset_size}, reserved {zero})"
                    ));
                }
                Ok(Header {
                    order,
                    bigtiff: true,
                    first_ifd: r.u64(8)?,
                })
            }
            magic => Err(format_err!(
                "not a TIFF file (magic number {magic}, expected 42 or 43)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers() {
        let classic = [b'I', b'I', 42, 0, 8, 0, 0, 0];
        let h = Header::parse(&classic).unwrap();
        assert_eq!(
            (h.order, h.bigtiff, h.first_ifd),
            (ByteOrder::Little, false, 8)
        );
        let big = [b'M', b'M', 0, 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16];
        let h = Header::parse(&big).unwrap();
        assert_eq!(
            (h.order, h.bigtiff, h.first_ifd),
            (ByteOrder::Big, true, 16)
        );
        assert!(Header::parse(b"II*").is_err());
        assert!(Header::parse(b"PK\x03\x04").is_err());
        assert!(Header::parse(&[b'I', b'I', 43, 0, 4, 0, 0, 0]).is_err());
        assert!(Header::parse(&[b'I', b'I', 7, 0, 8, 0, 0, 0]).is_err());
    }

    #[test]
    fn slices_are_checked() {
        assert_eq!(slice_at(b"abc", 1, 2), Some(&b"bc"[..]));
        assert_eq!(slice_at(b"abc", 2, 2), None);
        assert_eq!(slice_at(b"abc", u64::MAX, 2), None);
        assert_eq!(slice_at(b"abc", 1, u64::MAX), None);
    }
}
