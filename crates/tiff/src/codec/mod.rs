//! The compression schemes the reader decodes, each pure Rust, each writing into a caller's
//! buffer of exactly the expected size: decoding stops when it is full, so a decompression
//! bomb costs no more than one block's memory.

mod deflate;
mod lzw;
mod packbits;
mod zstd;

use crate::error::{DecodeError, Fallible, format_err};

/// A TIFF compression scheme this reader decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// 1: stored uncompressed.
    None,
    /// 5: LZW with TIFF's early code-size change (old-style LSB-first LZW also read).
    Lzw,
    /// 8 (Adobe) or 32946 (legacy): zlib-wrapped Deflate.
    Deflate,
    /// 32773: Macintosh PackBits run-length encoding.
    PackBits,
    /// 50000: Zstandard.
    Zstd,
}

impl Compression {
    /// The scheme of TIFF Compression tag value `code`, or an `Unsupported` error naming it
    /// (`unsupported compression 34887 (LERC)`).
    pub fn from_code(code: u64) -> Result<Compression, DecodeError> {
        Ok(match code {
            1 => Compression::None,
            5 => Compression::Lzw,
            8 | 32946 => Compression::Deflate,
            32773 => Compression::PackBits,
            50000 => Compression::Zstd,
            _ => {
                let name = unsupported_name(code).unwrap_or("unknown");
                return Err(DecodeError::Unsupported(format!(
                    "unsupported compression {code} ({name})"
                )));
            }
        })
    }

    /// The TIFF Compression tag value (8 for Deflate, as GDAL writes it).
    pub fn code(self) -> u16 {
        match self {
            Compression::None => 1,
            Compression::Lzw => 5,
            Compression::Deflate => 8,
            Compression::PackBits => 32773,
            Compression::Zstd => 50000,
        }
    }

    /// The name GDAL reports as `COMPRESSION=` (`None` for uncompressed files, where GDAL
    /// reports nothing).
    pub fn gdal_name(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Lzw => Some("LZW"),
            Compression::Deflate => Some("DEFLATE"),
            Compression::PackBits => Some("PACKBITS"),
            Compression::Zstd => Some("ZSTD"),
        }
    }

    /// Whether a Predictor tag applies to this scheme (libtiff ignores it for none/PackBits).
    pub(crate) fn takes_predictor(self) -> bool {
        matches!(
            self,
            Compression::Lzw | Compression::Deflate | Compression::Zstd
        )
    }

    /// The most decoded bytes `stored` bytes can honestly expand to (with slack for headers):
    /// PackBits 128 per 2 bytes, Deflate about 1032:1, LZW about 2730:1, Zstandard about
    /// 43690:1 (run-length blocks). A block declaring more is corrupt; checking this first
    /// keeps a damaged size from causing a large allocation.
    pub(crate) fn max_decoded_len(self, stored: u64) -> u64 {
        let ratio = match self {
            Compression::None => 1,
            Compression::PackBits => 64,
            Compression::Deflate => 1100,
            Compression::Lzw => 3000,
            Compression::Zstd => 50_000,
        };
        stored
            .saturating_mul(ratio)
            .saturating_add(if ratio == 1 { 0 } else { 4096 })
    }

    /// Decompresses `src` into all of `out`. More data than fits is ignored; less is an error.
    pub(crate) fn decompress(self, src: &[u8], out: &mut [u8]) -> Fallible<()> {
        let written = match self {
            Compression::None => {
                let n = src.len().min(out.len());
                if let (Some(d), Some(s)) = (out.get_mut(..n), src.get(..n)) {
                    d.copy_from_slice(s);
                }
                n
            }
            Compression::Lzw => lzw::decode(src, out)?,
            Compression::Deflate => deflate::decode(src, out)?,
            Compression::PackBits => packbits::decode(src, out),
            Compression::Zstd => zstd::decode(src, out)?,
        };
        if written < out.len() {
            return Err(format_err!(
                "{} data ends after {written} of {} bytes",
                self.gdal_name().unwrap_or("uncompressed"),
                out.len()
            ));
        }
        Ok(())
    }
}

/// The names of TIFF compression codes we recognise but do not decode.
fn unsupported_name(code: u64) -> Option<&'static str> {
    Some(match code {
        2 => "CCITT RLE",
        3 => "CCITT Group 3 fax",
        4 => "CCITT Group 4 fax",
        6 => "old-style JPEG",
        7 => "JPEG",
        9 | 10 => "JBIG (T.85/T.43)",
        32766 => "NeXT",
        32771 => "CCITT RLE word",
        32809 => "ThunderScan",
        32895..=32898 => "IT8",
        32908 => "PixarFilm",
        32909 => "PixarLog",
        32947 => "Kodak DCS",
        34661 => "JBIG",
        34676 => "SGILog",
        34677 => "SGILog24",
        34712 => "JPEG2000",
        34887 => "LERC",
        34892 => "lossy JPEG",
        34925 => "LZMA",
        50001 => "WebP",
        50002 => "JPEG XL",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_unsupported_codes() {
        let e = Compression::from_code(34887).unwrap_err();
        assert_eq!(e.to_string(), "unsupported compression 34887 (LERC)");
        assert_eq!(
            Compression::from_code(7).unwrap_err().to_string(),
            "unsupported compression 7 (JPEG)"
        );
        assert_eq!(
            Compression::from_code(12345).unwrap_err().to_string(),
            "unsupported compression 12345 (unknown)"
        );
        assert_eq!(Compression::from_code(32946), Ok(Compression::Deflate));
    }

    #[test]
    fn none_copies_and_detects_short_data() {
        let mut out = [0u8; 3];
        Compression::None.decompress(b"abcd", &mut out).unwrap();
        assert_eq!(&out, b"abc");
        assert!(Compression::None.decompress(b"ab", &mut out).is_err());
    }
}
