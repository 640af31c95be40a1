//! Bad input: truncated files, flipped bits, absurd counts and offsets, IFD cycles, huge
//! declared sizes, raw garbage into every codec. Always an error or a correct read, never a
//! panic, a hang or a huge allocation.

mod builder;

use builder::{Blocks, Spec, build, pixels};
use proptest::prelude::*;
use rastagg_tiff::{
    BlockCodec, ByteOrder, Compression, Error, Limits, Predictor, SampleType, TiffFile, Window,
};

/// Limits small enough that no test input can allocate much.
fn small() -> Limits {
    Limits {
        max_ifd_entries: 256,
        max_tag_bytes: 1 << 20,
        max_block_bytes: 1 << 22,
        max_window_bytes: 1 << 24,
    }
}

/// Opens and reads every band whole; Ok(values) or the first error.
fn read_all(bytes: Vec<u8>) -> Result<Vec<Vec<f64>>, Error> {
    let f = TiffFile::from_bytes("bad.tif", bytes, small())?;
    let i = f.info().clone();
    (0..i.bands)
        .map(|b| f.read_window_f64(b, Window::new(0, 0, i.width, i.height)))
        .collect()
}

/// A few small files of different kinds.
fn samples() -> Vec<(Spec, Vec<Vec<f64>>)> {
    let mut out = Vec::new();
    let mut a = Spec::new(13, 9, SampleType::U16);
    a.compression = 5;
    a.predictor = 2;
    a.blocks = Blocks::Strips(4);
    a.trailing = vec![1];
    let mut b = Spec::new(20, 18, SampleType::F32);
    b.bigtiff = true;
    b.big_endian = true;
    b.blocks = Blocks::Tiles(16, 16);
    b.compression = 8;
    b.predictor = 3;
    b.bands = 2;
    b.planar = true;
    let mut c = Spec::new(7, 5, SampleType::I32);
    c.compression = 50000;
    c.bands = 3;
    c.blocks = Blocks::Tiles(16, 16);
    let mut d = Spec::new(9, 4, SampleType::U8);
    d.compression = 32773;
    for s in [a, b, c, d] {
        let px = pixels(&s, 11);
        out.push((s, px));
    }
    out
}

#[test]
fn truncated_at_every_length() {
    for (spec, px) in samples() {
        let bytes = build(&spec, &px);
        for len in 0..bytes.len() {
            match read_all(bytes[..len].to_vec()) {
                Err(e) => assert!(!e.to_string().contains('\n')),
                Ok(v) => assert_eq!(v, px, "truncated to {len} bytes yet read differently"),
            }
        }
        assert_eq!(read_all(bytes).unwrap(), px);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random bit flips anywhere: an error or some pixels, never a panic.
    #[test]
    fn random_bit_flips(which in 0usize..4, flips in prop::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..6)) {
        let (spec, px) = samples().swap_remove(which);
        let mut bytes = build(&spec, &px);
        for (i, bit) in flips {
            let at = i.index(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        let _ = read_all(bytes);
    }

    /// Random bytes through every codec, predictor and byte order: never a panic.
    #[test]
    fn codecs_survive_garbage(
        src in prop::collection::vec(any::<u8>(), 0..300),
        c in prop::sample::select(vec![Compression::None, Compression::Lzw, Compression::Deflate, Compression::PackBits, Compression::Zstd]),
        p in prop::sample::select(vec![Predictor::None, Predictor::Horizontal, Predictor::FloatingPoint]),
        t in prop::sample::select(SampleType::ALL.to_vec()),
        big in any::<bool>(),
        (w, h, spp) in (0u64..9, 0u64..9, 0u64..4),
    ) {
        let codec = BlockCodec {
            compression: c,
            predictor: p,
            sample_type: t,
            byte_order: if big { ByteOrder::Big } else { ByteOrder::Little },
            width: w,
            height: h,
            samples_per_pixel: spp,
        };
        let mut out = vec![0u8; codec.decoded_len().unwrap()];
        let _ = codec.decode(&src, &mut out);
        let mut wrong = vec![0u8; out.len() + 1];
        prop_assert!(codec.decode(&src, &mut wrong).is_err());
    }
}

/// A little-endian classic file with one strip, for hand edits.
fn plain() -> Vec<u8> {
    let spec = Spec::new(4, 4, SampleType::U8);
    build(&spec, &pixels(&spec, 0))
}

fn entry(bytes: &[u8], tag: u16) -> usize {
    let ifd = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(bytes[ifd..ifd + 2].try_into().unwrap()) as usize;
    (0..n)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&p| bytes[p..p + 2] == tag.to_le_bytes())
        .unwrap()
}

fn set_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn absurd_counts_and_offsets() {
    // An IFD declaring 65535 entries.
    let mut b = plain();
    let ifd = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
    b[ifd..ifd + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(matches!(
        TiffFile::from_bytes("x", b, small()),
        Err(Error::Limit { .. })
    ));
    let mut b = plain();
    b[ifd..ifd + 2].copy_from_slice(&200u16.to_le_bytes());
    assert!(matches!(
        TiffFile::from_bytes("x", b, small()),
        Err(Error::Format { .. })
    ));

    // A first IFD offset past the end, and 0.
    for off in [u32::MAX, 0] {
        let mut b = plain();
        set_u32(&mut b, 4, off);
        assert!(matches!(
            TiffFile::from_bytes("x", b, small()),
            Err(Error::Format { .. })
        ));
    }

    // StripByteCounts with 4 billion values, and a strip offset past the end.
    let mut b = plain();
    let e = entry(&b, 279);
    set_u32(&mut b, e + 4, u32::MAX);
    assert!(matches!(
        TiffFile::from_bytes("x", b, small()),
        Err(Error::Limit { .. })
    ));
    let mut b = plain();
    let e = entry(&b, 273);
    set_u32(&mut b, e + 8, u32::MAX - 3);
    let f = TiffFile::from_bytes("x", b, small()).unwrap();
    let err = f.read_window::<u8>(0, Window::new(0, 0, 4, 4)).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");

    // A strip byte count far larger than the file.
    let mut b = plain();
    let e = entry(&b, 279);
    set_u32(&mut b, e + 8, u32::MAX);
    let f = TiffFile::from_bytes("x", b, small()).unwrap();
    assert!(f.read_window::<u8>(0, Window::new(0, 0, 4, 4)).is_err());
}

#[test]
fn huge_declared_sizes() {
    // 4 billion × 4 billion pixels in one strip: the block limit refuses it before anything.
    let mut b = plain();
    for tag in [256, 257, 278] {
        let e = entry(&b, tag);
        set_u32(&mut b, e + 8, u32::MAX);
    }
    let err = TiffFile::from_bytes("x", b, small()).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");

    // A huge image of 1-row strips needs billions of offsets; only one is present.
    let mut b = plain();
    for (tag, v) in [(256, 1000), (257, u32::MAX), (278, 1)] {
        let e = entry(&b, tag);
        set_u32(&mut b, e + 8, v);
    }
    assert!(matches!(
        TiffFile::from_bytes("x", b, small()),
        Err(Error::Format { .. })
    ));

    // A block claiming much more than its stored bytes can hold is refused before allocating.
    let mut spec = Spec::new(1024, 1024, SampleType::U8);
    spec.compression = 32773;
    let b = build(&spec, &[vec![7.0; 1024 * 1024]]);
    let mut b2 = b.clone();
    let e = entry(&b2, 279);
    set_u32(&mut b2, e + 8, 10);
    let f = TiffFile::from_bytes("x", b2, Limits::default()).unwrap();
    assert!(f.read_window::<u8>(0, Window::new(0, 0, 1, 1)).is_err());
    assert!(TiffFile::from_bytes("x", b, Limits::default()).is_ok());
}

#[test]
fn ifd_cycles_end() {
    let mut spec = Spec::new(4, 4, SampleType::U8);
    spec.trailing = vec![1, 1, 4];
    spec.cycle = true;
    let f = TiffFile::from_bytes("x", build(&spec, &pixels(&spec, 0)), small()).unwrap();
    assert_eq!((f.info().overviews, f.info().has_mask), (2, true));

    // The image IFD pointing to itself.
    let mut b = plain();
    let ifd = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(b[ifd..ifd + 2].try_into().unwrap()) as usize;
    set_u32(&mut b, ifd + 2 + 12 * n, ifd as u32);
    let f = TiffFile::from_bytes("x", b, small()).unwrap();
    assert_eq!(f.info().overviews, 0);
}

#[test]
fn decompression_bomb_stops_at_the_block_size() {
    // A 16x16 byte image whose one strip inflates to 64 MiB: only 256 bytes are produced.
    let spec = Spec::new(16, 16, SampleType::U8);
    let mut b = build(&spec, &pixels(&spec, 0));
    let bomb = builder::compress(8, &vec![3u8; 64 << 20]);
    let at = b.len() as u32;
    b.extend(&bomb);
    let e = entry(&b, 273);
    set_u32(&mut b, e + 8, at);
    let e = entry(&b, 279);
    set_u32(&mut b, e + 8, bomb.len() as u32);
    let e = entry(&b, 259);
    b[e + 8] = 8;
    let f = TiffFile::from_bytes("x", b, small()).unwrap();
    assert_eq!(
        f.read_window::<u8>(0, Window::new(0, 0, 16, 16)).unwrap(),
        vec![3u8; 256]
    );
}

#[test]
fn not_tiff_at_all() {
    for b in [&b""[..], b"II", b"MM\0+", b"GIF89a....", b"II*\0\x08\0\0\0"] {
        let e = TiffFile::from_bytes("x", b.to_vec(), small()).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{e:?}");
    }
}
