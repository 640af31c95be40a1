//! One block's stored bytes through `BlockCodec::decode`: every codec, predictor, sample type
//! and byte order, with a fuzzed (bounded) block shape.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rastagg_tiff::{BlockCodec, ByteOrder, Compression, Predictor, SampleType};

/// Largest decoded block tried (the reader's real bound is `Limits::max_block_bytes`).
const MAX_DECODED: usize = 4 << 20;

#[derive(Debug, Arbitrary)]
struct Case<'a> {
    compression: u8,
    predictor: u8,
    sample_type: u8,
    big_endian: bool,
    width: u16,
    height: u8,
    samples_per_pixel: u8,
    stored: &'a [u8],
}

const COMPRESSIONS: [Compression; 5] = [
    Compression::None,
    Compression::Lzw,
    Compression::Deflate,
    Compression::PackBits,
    Compression::Zstd,
];
const PREDICTORS: [Predictor; 3] = [
    Predictor::None,
    Predictor::Horizontal,
    Predictor::FloatingPoint,
];

fuzz_target!(|case: Case<'_>| {
    let pick = |n: u8, len: usize| usize::from(n) % len;
    let codec = BlockCodec {
        compression: COMPRESSIONS[pick(case.compression, COMPRESSIONS.len())],
        predictor: PREDICTORS[pick(case.predictor, PREDICTORS.len())],
        sample_type: SampleType::ALL[pick(case.sample_type, SampleType::ALL.len())],
        byte_order: if case.big_endian {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        },
        width: u64::from(case.width % 1024),
        height: u64::from(case.height),
        samples_per_pixel: u64::from(case.samples_per_pixel % 8),
    };
    let Some(len) = codec.decoded_len().filter(|&n| n <= MAX_DECODED) else {
        return;
    };
    let mut out = vec![0u8; len];
    let result = codec.decode(case.stored, &mut out);
    // Uncompressed, no predictor, native order: the block is the stored bytes.
    let native = !codec.byte_order.needs_swap();
    if codec.compression == Compression::None && codec.predictor == Predictor::None && native {
        match result {
            Ok(()) => assert_eq!(out[..], case.stored[..len]),
            Err(_) => assert!(len > 0 && case.stored.len() < len, "{codec:?}"),
        }
    }
    // A buffer of the wrong size is refused, never overrun.
    let _ = codec.decode(case.stored, &mut out[..len.saturating_sub(1)]);
});
