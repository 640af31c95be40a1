//! The reader against files made in memory with known pixels: every layout, byte order, codec,
//! predictor and sample type, random windows compared with the known array.

mod builder;

use builder::{Blocks, Spec, Value, build, pixels};
use proptest::prelude::*;
use rastagg_raster::with_sample_type;
use rastagg_tiff::{
    ByteOrder, Compression, Error, Interleave, Limits, Predictor, Sample, SampleType, TiffFile,
    Window,
};

fn open(spec: &Spec, px: &[Vec<f64>]) -> TiffFile {
    TiffFile::from_bytes("mem.tif", build(spec, px), Limits::default()).unwrap()
}

/// The expected values of `window` of `band`.
fn expected(spec: &Spec, px: &[Vec<f64>], band: usize, w: Window) -> Vec<f64> {
    let mut v = Vec::new();
    for y in w.y..w.y + w.rows {
        for x in w.x..w.x + w.cols {
            v.push(px[band][(y * u64::from(spec.width) + x) as usize]);
        }
    }
    v
}

/// Reads `window` typed as `T` and converts to f64 for comparison.
fn typed<T: Sample>(f: &TiffFile, band: usize, w: Window) -> Vec<f64> {
    f.read_window::<T>(band, w)
        .unwrap()
        .into_iter()
        .map(Sample::to_f64)
        .collect()
}

fn read_typed(f: &TiffFile, band: usize, w: Window) -> Vec<f64> {
    with_sample_type!(f.info().sample_type, T => typed::<T>(f, band, w))
}

/// Decodes one block as `T`, converted to f64.
fn block<T: Sample>(f: &TiffFile, band: usize, index: u64) -> Vec<f64> {
    let i = f.info();
    let mut out = vec![T::default(); (i.block_width * i.block_height) as usize];
    f.decode_block(band, index, &mut out).unwrap();
    out.into_iter().map(Sample::to_f64).collect()
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    let types = prop::sample::select(SampleType::ALL.to_vec());
    let codecs = prop::sample::select(vec![1u16, 5, 8, 32773, 50000]);
    (
        (
            any::<bool>(),
            any::<bool>(),
            1u32..40,
            1u32..40,
            1u16..4,
            types,
        ),
        (
            any::<bool>(),
            1u32..24,
            1u32..24,
            any::<bool>(),
            codecs,
            1u16..4,
        ),
    )
        .prop_map(
            |((bigtiff, be, w, h, bands, t), (tiled, bw, bh, planar, c, p))| {
                let mut s = Spec::new(w, h, t);
                s.bigtiff = bigtiff;
                s.big_endian = be;
                s.bands = bands;
                s.blocks = if tiled {
                    Blocks::Tiles(bw, bh)
                } else {
                    Blocks::Strips(bh)
                };
                s.planar = planar;
                s.compression = c;
                s.predictor = match p {
                    3 if t.is_float() => 3,
                    3 | 2 => 2,
                    _ => 1,
                };
                s
            },
        )
}

fn arb_window(w: u32, h: u32) -> impl Strategy<Value = Window> {
    (0..w, 0..h).prop_flat_map(move |(x, y)| {
        (1..=w - x, 1..=h - y).prop_map(move |(c, r)| {
            Window::new(u64::from(x), u64::from(y), u64::from(c), u64::from(r))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any window of any band of any layout reads as the known pixels, typed and as f64.
    #[test]
    fn windows_match_known_pixels(
        (spec, windows) in arb_spec().prop_flat_map(|s| {
            let ws = prop::collection::vec(arb_window(s.width, s.height), 1..4);
            (Just(s), ws)
        }),
        seed in any::<u64>(),
    ) {
        let px = pixels(&spec, seed);
        let f = open(&spec, &px);
        let info = f.info();
        prop_assert_eq!(info.width, u64::from(spec.width));
        prop_assert_eq!(info.bands, spec.bands as usize);
        prop_assert_eq!(info.sample_type, spec.sample_type);
        prop_assert_eq!(info.bigtiff, spec.bigtiff);
        prop_assert_eq!(info.byte_order, if spec.big_endian { ByteOrder::Big } else { ByteOrder::Little });
        let whole = Window::new(0, 0, u64::from(spec.width), u64::from(spec.height));
        for band in 0..spec.bands as usize {
            for &w in windows.iter().chain([&whole]) {
                let want = expected(&spec, &px, band, w);
                let got = f.read_window_f64(band, w).unwrap();
                prop_assert!(same(&got, &want), "band {} window {:?}: {:?} vs {:?}", band, w, got, want);
                prop_assert!(same(&read_typed(&f, band, w), &want));
            }
        }
    }

    /// Windows as wide as the image (strips then decode in place, cut strips beside them
    /// the other way) read as the known pixels, typed and as f64.
    #[test]
    fn full_width_windows_match_known_pixels(
        (spec, rows) in arb_spec().prop_flat_map(|s| {
            let h = s.height;
            let rows = prop::collection::vec((0..h).prop_flat_map(move |y| (Just(y), 1..=h - y)), 1..4);
            (Just(s), rows)
        }),
        seed in any::<u64>(),
    ) {
        let px = pixels(&spec, seed);
        let f = open(&spec, &px);
        for band in 0..spec.bands as usize {
            for &(y, n) in &rows {
                let w = Window::new(0, u64::from(y), u64::from(spec.width), u64::from(n));
                let want = expected(&spec, &px, band, w);
                prop_assert!(same(&f.read_window_f64(band, w).unwrap(), &want), "band {} window {:?}", band, w);
                prop_assert!(same(&read_typed(&f, band, w), &want), "band {} window {:?}", band, w);
            }
        }
    }

    /// decode_block returns the full block: known pixels inside the image, 0 in the padding.
    #[test]
    fn blocks_match_known_pixels(spec in arb_spec(), seed in any::<u64>(), pick in any::<prop::sample::Index>()) {
        let px = pixels(&spec, seed);
        let f = open(&spec, &px);
        let info = f.info().clone();
        let index = pick.index(info.blocks_per_band() as usize) as u64;
        let bw = info.block_width as usize;
        let win = info.block_window(index).unwrap();
        let band = (seed % u64::from(spec.bands)) as usize;
        let got = with_sample_type!(spec.sample_type, T => block::<T>(&f, band, index));
        for (i, v) in got.iter().enumerate() {
            let (r, c) = ((i / bw) as u64, (i % bw) as u64);
            let want = if r < win.rows && c < win.cols {
                px[band][((win.y + r) * u64::from(spec.width) + win.x + c) as usize]
            } else {
                0.0
            };
            prop_assert_eq!(v.to_bits(), want.to_bits(), "block {} pixel {}", index, i);
        }
        // Fetching and decoding separately gives the same bytes as the whole-window path.
        let codec = f.block_codec(index).unwrap();
        let mut raw = vec![0u8; codec.decoded_len().unwrap()];
        codec.decode(f.block_bytes(band, index).unwrap(), &mut raw).unwrap();
    }
}

#[test]
fn describes_the_image() {
    let mut spec = Spec::new(10, 7, SampleType::F32);
    spec.blocks = Blocks::Tiles(16, 16);
    spec.compression = 8;
    spec.predictor = 3;
    spec.bands = 2;
    spec.planar = true;
    spec.trailing = vec![1, 1, 4, 5];
    spec.tags = vec![
        (42113, Value::Ascii("-9999".into())),
        (
            42112,
            Value::Ascii(
                "<GDALMetadata><Item name=\"SCALE\" sample=\"1\" role=\"scale\">2.5</Item></GDALMetadata>"
                    .into(),
            ),
        ),
        (33550, Value::Doubles(vec![0.5, 0.25, 0.0])),
        (33922, Value::Doubles(vec![0.0, 0.0, 0.0, 100.0, 50.0, 0.0])),
        (34735, Value::Shorts(vec![1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 4326])),
    ];
    let px = pixels(&spec, 1);
    let f = open(&spec, &px);
    let i = f.info();
    assert_eq!((i.width, i.height, i.bands), (10, 7, 2));
    assert_eq!((i.block_width, i.block_height, i.tiled), (16, 16, true));
    assert_eq!(i.compression, Compression::Deflate);
    assert_eq!(i.predictor, Predictor::FloatingPoint);
    assert_eq!(i.interleave, Interleave::Band);
    assert_eq!((i.overviews, i.has_mask), (2, true));
    assert_eq!(i.nodata.as_ref().map(|n| n.value), Some(-9999.0));
    assert_eq!(i.metadata.bands[1].scale, Some(2.5));
    assert_eq!(
        i.geo_transform.unwrap().0,
        [100.0, 0.5, 0.0, 50.0, 0.0, -0.25]
    );
    assert_eq!(i.epsg(), Some(4326));
    assert_eq!(i.block_window(0), Some(Window::new(0, 0, 10, 7)));
    assert_eq!(i.block_window(1), None);
}

#[test]
fn pixel_is_point_and_transformation_matrix() {
    let mut spec = Spec::new(4, 4, SampleType::U8);
    spec.tags = vec![
        (33550, Value::Doubles(vec![2.0, 2.0, 0.0])),
        (33922, Value::Doubles(vec![0.0, 0.0, 0.0, 10.0, 20.0, 0.0])),
        (34735, Value::Shorts(vec![1, 1, 0, 1, 1025, 0, 1, 2])),
    ];
    let f = open(&spec, &pixels(&spec, 0));
    assert_eq!(
        f.info().geo_transform.unwrap().0,
        [9.0, 2.0, 0.0, 21.0, 0.0, -2.0]
    );

    let m = vec![
        1.0, 0.5, 0.0, 100.0, 0.25, -1.0, 0.0, 200.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
    ];
    spec.tags = vec![(34264, Value::Doubles(m))];
    let f = open(&spec, &pixels(&spec, 0));
    assert_eq!(
        f.info().geo_transform.unwrap().0,
        [100.0, 1.0, 0.5, 200.0, 0.25, -1.0]
    );

    // Tiepoints alone are GCPs: no geotransform.
    spec.tags = vec![(33922, Value::Doubles(vec![0.0, 0.0, 0.0, 10.0, 20.0, 0.0]))];
    assert_eq!(open(&spec, &pixels(&spec, 0)).info().geo_transform, None);
}

#[test]
fn sparse_blocks_read_as_nodata_or_zero() {
    for (nodata, fill) in [
        (None, 0.0),
        (Some("-9999"), -9999.0),
        (Some("1e10"), 32767.0),
    ] {
        let mut spec = Spec::new(20, 20, SampleType::I16);
        spec.blocks = Blocks::Tiles(16, 16);
        spec.compression = 5;
        spec.sparse = vec![1, 2];
        if let Some(n) = nodata {
            spec.tags = vec![(42113, Value::Ascii(n.into()))];
        }
        let px = pixels(&spec, 3);
        let f = open(&spec, &px);
        let got = f.read_window_f64(0, Window::new(0, 0, 20, 20)).unwrap();
        for y in 0..20 {
            for x in 0..20 {
                let sparse = (x >= 16 && y < 16) || (x < 16 && y >= 16);
                let want = if sparse { fill } else { px[0][y * 20 + x] };
                assert_eq!(got[y * 20 + x], want, "({x}, {y}) nodata {nodata:?}");
            }
        }
        assert!(f.block_bytes(0, 1).unwrap().is_empty());
        let mut block = vec![0i16; 256];
        f.decode_block(0, 2, &mut block).unwrap();
        assert!(block.iter().all(|&v| f64::from(v) == fill));
    }
}

#[test]
fn int64_nodata_is_exact() {
    let mut spec = Spec::new(3, 3, SampleType::I64);
    spec.sparse = vec![0];
    spec.tags = vec![(42113, Value::Ascii("-9223372036854775807".into()))];
    let f = open(&spec, &pixels(&spec, 0));
    let v = f.read_window::<i64>(0, Window::new(0, 0, 3, 3)).unwrap();
    assert!(v.iter().all(|&x| x == -9223372036854775807), "{v:?}");
    let mut spec = Spec::new(3, 3, SampleType::U64);
    spec.sparse = vec![0];
    spec.tags = vec![(42113, Value::Ascii("18446744073709551615".into()))];
    let f = open(&spec, &pixels(&spec, 0));
    let v = f.read_window::<u64>(0, Window::new(0, 0, 3, 3)).unwrap();
    assert!(v.iter().all(|&x| x == u64::MAX), "{v:?}");
}

#[test]
fn float_nodata_and_nan() {
    let mut spec = Spec::new(3, 3, SampleType::F32);
    spec.sparse = vec![0];
    spec.tags = vec![(42113, Value::Ascii("nan".into()))];
    let f = open(&spec, &pixels(&spec, 0));
    assert!(
        f.read_window::<f32>(0, Window::new(0, 0, 3, 3))
            .unwrap()
            .iter()
            .all(|v| v.is_nan())
    );
}

#[test]
fn usage_errors_name_the_file() {
    let spec = Spec::new(8, 8, SampleType::U16);
    let f = open(&spec, &pixels(&spec, 0));
    let cases = [
        f.read_window::<u8>(0, Window::new(0, 0, 1, 1)).unwrap_err(),
        f.read_window::<u16>(1, Window::new(0, 0, 1, 1))
            .unwrap_err(),
        f.read_window::<u16>(0, Window::new(4, 4, 5, 1))
            .unwrap_err(),
        f.read_window::<u16>(0, Window::new(u64::MAX, 0, 2, 1))
            .unwrap_err(),
        f.read_window_into::<u16>(0, Window::new(0, 0, 2, 2), &mut [0; 3])
            .unwrap_err(),
        f.decode_block::<u16>(0, 1, &mut [0; 64]).unwrap_err(),
        f.decode_block::<u16>(0, 0, &mut [0; 63]).unwrap_err(),
        f.block_bytes(0, 99).unwrap_err(),
    ];
    for e in cases {
        assert!(matches!(e, Error::Usage { .. }), "{e:?}");
        assert!(e.to_string().starts_with("mem.tif: "), "{e}");
        assert!(!e.to_string().contains('\n'));
    }
    assert!(
        f.read_window::<u16>(0, Window::new(3, 3, 0, 0))
            .unwrap()
            .is_empty()
    );
    let small = Limits {
        max_window_bytes: 100,
        ..Limits::default()
    };
    let f = TiffFile::from_bytes("m.tif", build(&spec, &pixels(&spec, 0)), small).unwrap();
    assert!(matches!(
        f.read_window::<u16>(0, Window::new(0, 0, 8, 8)),
        Err(Error::Limit { .. })
    ));
}

#[test]
fn unsupported_files_are_named() {
    let mut spec = Spec::new(4, 4, SampleType::U8);
    spec.compression = 1;
    let mut bytes = build(&spec, &pixels(&spec, 0));
    // Rewrite the Compression value (SHORT, inline) to JPEG and LERC.
    let pos = find_entry(&bytes, 259).unwrap();
    for (code, text) in [
        (7u8, "unsupported compression 7 (JPEG)"),
        (0x47, "unsupported compression 34887 (LERC)"),
    ] {
        let mut b = bytes.clone();
        if code == 7 {
            b[pos + 8] = 7;
        } else {
            b[pos + 8] = 0x47;
            b[pos + 9] = 0x88;
        }
        let e = TiffFile::from_bytes("x.tif", b, Limits::default()).unwrap_err();
        assert_eq!(e.to_string(), format!("x.tif: {text}"));
        assert!(matches!(e, Error::Unsupported { .. }));
    }
    // 12-bit samples.
    let pos = find_entry(&bytes, 258).unwrap();
    bytes[pos + 8] = 12;
    let e = TiffFile::from_bytes("x.tif", bytes, Limits::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.tif: unsupported sample type: 12-bit unsigned integer"
    );
}

#[test]
fn open_reads_a_file_like_from_bytes() {
    let mut spec = Spec::new(33, 17, SampleType::F64);
    spec.compression = 50000;
    spec.predictor = 3;
    spec.blocks = Blocks::Strips(5);
    let px = pixels(&spec, 9);
    let path = std::env::temp_dir().join(format!("rastagg-tiff-{}.tif", std::process::id()));
    std::fs::write(&path, build(&spec, &px)).unwrap();
    let f = TiffFile::open(&path).unwrap();
    let got = f.read_window::<f64>(0, Window::new(0, 0, 33, 17)).unwrap();
    assert_eq!(got, px[0]);
    assert_eq!(f.path(), path);
    std::fs::remove_file(&path).unwrap();
    let e = TiffFile::open(&path).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().starts_with(&path.display().to_string()));
}

#[test]
fn shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TiffFile>();
    let mut spec = Spec::new(64, 64, SampleType::U16);
    spec.blocks = Blocks::Tiles(16, 16);
    spec.compression = 8;
    spec.predictor = 2;
    let px = pixels(&spec, 5);
    let f = open(&spec, &px);
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let (f, px, spec) = (&f, &px, &spec);
            s.spawn(move || {
                let w = Window::new(t * 10, t * 5, 30, 40);
                let got = f.read_window_f64(0, w).unwrap();
                assert_eq!(got, expected(spec, px, 0, w));
            });
        }
    });
}

/// Position of the IFD entry of `tag` in a little-endian classic TIFF.
pub fn find_entry(bytes: &[u8], tag: u16) -> Option<usize> {
    let ifd = u32::from_le_bytes(bytes[4..8].try_into().ok()?) as usize;
    let n = u16::from_le_bytes(bytes[ifd..ifd + 2].try_into().ok()?) as usize;
    (0..n)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&p| u16::from_le_bytes([bytes[p], bytes[p + 1]]) == tag)
}

/// A single uncompressed pixel-interleaved strip reads as libtiff chops it (what GDAL reports:
/// 100x300 Byte gives Block=100x81, 3 bands 100x27, band-interleaved stays 100x300).
#[test]
fn single_uncompressed_strip_is_chopped_like_libtiff() {
    for (bands, planar, rows) in [(1, false, 81), (3, false, 27), (3, true, 300)] {
        let mut spec = Spec::new(100, 300, SampleType::U8);
        spec.bands = bands;
        spec.planar = planar;
        let px = pixels(&spec, 2);
        let f = open(&spec, &px);
        assert_eq!(f.info().block_height, rows, "{bands} bands planar {planar}");
        for b in 0..bands as usize {
            let w = Window::new(3, 70, 90, 200);
            assert_eq!(f.read_window_f64(b, w).unwrap(), expected(&spec, &px, b, w));
        }
    }
    // Wide rows: one row per strip.
    let spec = Spec::new(3000, 7, SampleType::F32);
    let px = pixels(&spec, 4);
    let f = open(&spec, &px);
    assert_eq!((f.info().block_height, f.info().blocks_per_band()), (1, 7));
    assert_eq!(
        f.read_window::<f32>(0, Window::new(0, 0, 3000, 7))
            .unwrap()
            .len(),
        21000
    );
    // RowsPerStrip already small: untouched. Compressed: untouched.
    let mut spec = Spec::new(100, 300, SampleType::U8);
    spec.compression = 8;
    assert_eq!(open(&spec, &pixels(&spec, 0)).info().block_height, 300);
}
