//! Turning the stored bytes of one block into samples, separate from fetching them, so blocks
//! can be decoded on any thread and fuzzed as raw bytes.

use crate::codec::Compression;
use crate::error::{DecodeError, Fallible};
use crate::header::ByteOrder;
use crate::predictor::{self, Predictor};
use rastagg_raster::SampleType;

/// Everything needed to turn one stored block into samples (the async-tiff split between
/// fetching and decoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCodec {
    /// Compression of the stored bytes.
    pub compression: Compression,
    /// Predictor to undo after decompression.
    pub predictor: Predictor,
    /// Type of the samples.
    pub sample_type: SampleType,
    /// Byte order of the stored samples.
    pub byte_order: ByteOrder,
    /// Pixels per row of the block (the full tile width, padding included).
    pub width: u64,
    /// Rows stored in the block (a last strip holds only the image's remaining rows).
    pub height: u64,
    /// Samples per pixel stored in the block (all bands when pixel-interleaved, else 1).
    pub samples_per_pixel: u64,
}

impl BlockCodec {
    /// Bytes of the decoded block: `width × height × samples_per_pixel × sample size`, or
    /// `None` when that overflows.
    pub fn decoded_len(&self) -> Option<usize> {
        let n = self
            .width
            .checked_mul(self.height)?
            .checked_mul(self.samples_per_pixel)?
            .checked_mul(self.sample_type.size() as u64)?;
        usize::try_from(n).ok()
    }

    /// Decompresses `src`, undoes the predictor and byte order, and writes
    /// `width × height × samples_per_pixel` native-endian samples to `out`, which must be
    /// exactly [`BlockCodec::decoded_len`] bytes long. Output beyond that size is never
    /// produced (decompression bombs stop there); short data is an error.
    pub fn decode(&self, src: &[u8], out: &mut [u8]) -> Result<(), DecodeError> {
        self.decode_with(src, out, &mut Vec::new())
    }

    /// [`BlockCodec::decode`] with a reusable scratch buffer for the predictor.
    pub(crate) fn decode_with(
        &self,
        src: &[u8],
        out: &mut [u8],
        scratch: &mut Vec<u8>,
    ) -> Fallible<()> {
        let len = self.decoded_len();
        if len != Some(out.len()) {
            return Err(DecodeError::Usage(format!(
                "output buffer of {} bytes for a block of {:?} bytes",
                out.len(),
                len
            )));
        }
        if out.is_empty() {
            return Ok(());
        }
        self.compression.decompress(src, out)?;
        let row_samples = usize::try_from(self.width.saturating_mul(self.samples_per_pixel))
            .map_err(|_| DecodeError::Usage("block row too long".into()))?;
        predictor::undo(
            self.predictor,
            self.sample_type.size(),
            self.byte_order.needs_swap(),
            row_samples,
            usize::try_from(self.samples_per_pixel).unwrap_or(usize::MAX),
            out,
            scratch,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(compression: Compression, predictor: Predictor, t: SampleType) -> BlockCodec {
        BlockCodec {
            compression,
            predictor,
            sample_type: t,
            byte_order: ByteOrder::Big,
            width: 2,
            height: 2,
            samples_per_pixel: 1,
        }
    }

    #[test]
    fn decodes_big_endian_with_predictor() {
        // Rows [1, 3] and [10, 5] as u16 differences, big-endian, PackBits literal.
        let stored = [7u8, 0, 1, 0, 2, 0, 10, 0xFF, 0xFB];
        let c = codec(
            Compression::PackBits,
            Predictor::Horizontal,
            SampleType::U16,
        );
        let mut out = [0u8; 8];
        c.decode(&stored, &mut out).unwrap();
        let v: Vec<u16> = out
            .chunks(2)
            .map(|b| u16::from_ne_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(v, [1, 3, 10, 5]);
    }

    #[test]
    fn checks_sizes() {
        let c = codec(Compression::None, Predictor::None, SampleType::F32);
        assert!(matches!(
            c.decode(&[0; 16], &mut [0; 15]),
            Err(DecodeError::Usage(_))
        ));
        assert!(matches!(
            c.decode(&[0; 15], &mut [0; 16]),
            Err(DecodeError::Format(_))
        ));
        let huge = BlockCodec {
            width: u64::MAX,
            ..c
        };
        assert_eq!(huge.decoded_len(), None);
        assert!(huge.decode(&[], &mut []).is_err());
    }
}
