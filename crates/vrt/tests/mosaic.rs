//! A GeoTIFF cut into tiles and rebuilt with gdalbuildvrt reads back equal to the original,
//! in any window; the open-file bound holds; reads from many threads agree.

mod common;

use common::{fixture, same};
use proptest::prelude::*;
use rastagg_tiff::TiffFile;
use rastagg_vrt::{BlockSize, CrsKind, SampleType, VrtDataset, VrtOptions, Window};
use std::sync::Arc;

fn base() -> TiffFile {
    TiffFile::open(fixture("base.tif")).expect("base.tif")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn any_window_equals_the_original(x in 0u64..97, y in 0u64..83, w in 1u64..97, h in 1u64..83) {
        let (w, h) = (w.min(97 - x), h.min(83 - y));
        let window = Window::new(x, y, w, h);
        let vrt = VrtDataset::open(fixture("mosaic.vrt")).expect("open");
        let got = vrt.read_window::<f32>(0, window).expect("vrt read");
        let want = base().read_window::<f32>(0, window).expect("tif read");
        prop_assert!(got.iter().zip(&want).all(|(a, b)| same(*a, *b)));
        let mut into = vec![0f32; window.len().unwrap_or(0)];
        vrt.read_window_into(0, window, &mut into).expect("read into");
        prop_assert!(into.iter().zip(&want).all(|(a, b)| same(*a, *b)));
    }
}

#[test]
fn metadata_matches_gdalbuildvrt() {
    let vrt = VrtDataset::open(fixture("mosaic.vrt")).unwrap();
    let tif = base();
    assert_eq!((vrt.width(), vrt.height(), vrt.bands()), (97, 83, 1));
    assert_eq!(vrt.sample_type(), SampleType::F32);
    assert_eq!(vrt.geo_transform(), tif.info().geo_transform);
    assert_eq!(vrt.nodata(0), None);
    assert_eq!((vrt.source_count(), vrt.file_count()), (12, 12));
    let srs = vrt.srs().unwrap();
    assert_eq!((srs.epsg, srs.kind), (Some(32633), CrsKind::Projected));
    // The first source's GeoKeys (same EPSG code) are taken verbatim.
    let keys = vrt.geo_keys().unwrap().unwrap();
    assert_eq!(Some(&keys), tif.info().geo_keys.as_ref());
    assert_eq!(
        vrt.open_sources(),
        1,
        "only the first source was opened for the GeoKeys"
    );
    let f64s = vrt.read_window_f64(0, Window::new(0, 0, 97, 83)).unwrap();
    let f32s = base()
        .read_window::<f32>(0, Window::new(0, 0, 97, 83))
        .unwrap();
    assert!(f64s.iter().zip(&f32s).all(|(a, b)| same(*a, *b as f64)));
}

#[test]
fn open_files_stay_bounded() {
    let options = VrtOptions {
        max_open_sources: 3,
        ..VrtOptions::default()
    };
    let vrt = VrtDataset::open_with(fixture("mosaic.vrt"), options).unwrap();
    let want = base()
        .read_window::<f32>(0, Window::new(0, 0, 97, 83))
        .unwrap();
    for y in 0..83 {
        let row = vrt.read_window::<f32>(0, Window::new(0, y, 97, 1)).unwrap();
        assert!(
            row.iter()
                .zip(&want[y as usize * 97..])
                .all(|(a, b)| same(*a, *b))
        );
        assert!(vrt.open_sources() <= 3, "{} open", vrt.open_sources());
    }
}

#[test]
fn reads_from_many_threads_agree() {
    let vrt = Arc::new(
        VrtDataset::open_with(
            fixture("mosaic.vrt"),
            VrtOptions {
                max_open_sources: 2,
                ..VrtOptions::default()
            },
        )
        .unwrap(),
    );
    let want = base()
        .read_window::<f32>(0, Window::new(0, 0, 97, 83))
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let vrt = Arc::clone(&vrt);
            std::thread::spawn(move || {
                (0..83u64)
                    .filter(|y| y % 4 == t)
                    .map(|y| {
                        (
                            y,
                            vrt.read_window::<f32>(0, Window::new(0, y, 97, 1)).unwrap(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for (y, row) in h.join().unwrap() {
            assert!(
                row.iter()
                    .zip(&want[y as usize * 97..])
                    .all(|(a, b)| same(*a, *b))
            );
        }
    }
}

/// Open file descriptors of this process (Linux), or `None` elsewhere.
fn fd_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count())
}

#[test]
fn thousands_of_sources_within_bounded_maps_and_fds() {
    // 2000 distinct source paths (symlinks to one 31 × 23 Byte GeoTIFF) tiled 50 × 40.
    let dir = std::env::temp_dir().join(format!("rastagg-vrt-{}-many", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let g = fixture("src/g.tif").canonicalize().unwrap();
    let mut xml = String::from(
        r#"<VRTDataset rasterXSize="1550" rasterYSize="920"><VRTRasterBand dataType="Byte" band="1">"#,
    );
    for i in 0..2000u64 {
        let name = format!("g_{i:04}.tif");
        std::os::unix::fs::symlink(&g, dir.join(&name)).unwrap();
        let (x, y) = ((i % 50) * 31, (i / 50) * 23);
        xml += &format!(
            r#"<SimpleSource><SourceFilename relativeToVRT="1">{name}</SourceFilename><SourceBand>1</SourceBand><SrcRect xOff="0" yOff="0" xSize="31" ySize="23"/><DstRect xOff="{x}" yOff="{y}" xSize="31" ySize="23"/></SimpleSource>"#
        );
    }
    xml += "</VRTRasterBand></VRTDataset>";
    std::fs::write(dir.join("many.vrt"), xml).unwrap();
    let tile = TiffFile::open(&g)
        .unwrap()
        .read_window::<u8>(0, Window::new(0, 0, 31, 23))
        .unwrap();

    let fds_before = fd_count();
    let vrt = VrtDataset::open_with(
        dir.join("many.vrt"),
        VrtOptions {
            max_open_sources: 64,
            ..VrtOptions::default()
        },
    )
    .unwrap();
    assert_eq!(vrt.source_count(), 2000);
    for band in 0..40u64 {
        let rows = vrt
            .read_window::<u8>(0, Window::new(0, band * 23, 1550, 23))
            .unwrap();
        for (r, row) in rows.chunks_exact(1550).enumerate() {
            for (c, v) in row.iter().enumerate() {
                assert_eq!(*v, tile[r * 31 + c % 31]);
            }
        }
        assert!(vrt.open_sources() <= 64);
    }
    if let (Some(before), Some(after)) = (fds_before, fd_count()) {
        assert!(
            after <= before + 8,
            "file descriptors grew from {before} to {after}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A VRT 20 columns wide and `height` rows high over `sources`: (fixture file, SrcRect yOff,
/// its ySize, DstRect yOff, its ySize).
fn stacked(height: u64, sources: &[(&str, f64, f64, f64, f64)]) -> VrtDataset {
    let body: String = sources
        .iter()
        .map(|&(file, sy, sh, dy, dh)| {
            let file = fixture(file).canonicalize().unwrap();
            format!(
                r#"<SimpleSource><SourceFilename relativeToVRT="0">{}</SourceFilename><SourceBand>1</SourceBand><SrcRect xOff="0" yOff="{sy}" xSize="20" ySize="{sh}"/><DstRect xOff="0" yOff="{dy}" xSize="20" ySize="{dh}"/></SimpleSource>"#,
                file.display()
            )
        })
        .collect();
    let xml = format!(
        r#"<VRTDataset rasterXSize="20" rasterYSize="{height}"><VRTRasterBand dataType="Float32" band="1">{body}</VRTRasterBand></VRTDataset>"#
    );
    VrtDataset::from_xml(fixture("stacked.vrt"), &xml, VrtOptions::default()).unwrap()
}

#[test]
fn block_height_lines_up_the_sources_blocks() {
    // base.tif is in strips of 21 rows, the tiles in one strip of 30.
    let cases: [(u64, &[_], Option<u64>); 7] = [
        (
            167,
            &[
                ("base.tif", 0., 83., 0., 83.),
                ("base.tif", 0., 83., 84., 83.),
            ],
            Some(21),
        ),
        // A source starting mid-strip, above the VRT: its strips start at -21 + 21k.
        (62, &[("base.tif", 21., 62., 0., 62.)], Some(21)),
        (
            240,
            &[
                ("base.tif", 0., 83., 0., 83.),
                ("tiles/t_0_0.tif", 0., 30., 210., 30.),
            ],
            Some(210),
        ),
        // Blocks that do not line up: a strip at row 90 + 21k is cut by reads at 21k.
        (
            173,
            &[
                ("base.tif", 0., 83., 0., 83.),
                ("base.tif", 0., 83., 90., 83.),
            ],
            None,
        ),
        (96, &[("base.tif", 0., 83., 13., 83.)], None),
        // Resampled rows: no block boundary maps to a row.
        (40, &[("base.tif", 0., 83., 0., 40.)], None),
        // Fractional positions one to one (their difference whole): which source rows GDAL
        // picks depends on where reads cut, so reads keep their default cuts.
        (104, &[("base.tif", 0.5, 62.5, 21.5, 62.5)], None),
    ];
    for (height, sources, want) in cases {
        assert_eq!(
            stacked(height, sources).block_size(0).height,
            want,
            "{sources:?}"
        );
    }
    assert_eq!(
        stacked(83, &[("base.tif", 0., 83., 0., 83.)]).block_size(1),
        BlockSize::default()
    );
    // Across: base.tif's strips are 97 columns wide, the tiles 25 (the 20 columns read start
    // at 0 in both).
    let base = [("base.tif", 0., 83., 0., 83.)];
    assert_eq!(stacked(83, &base).block_size(0).width, Some(97));
    let both = [
        ("base.tif", 0., 83., 0., 83.),
        ("tiles/t_0_0.tif", 0., 30., 210., 30.),
    ];
    assert_eq!(stacked(240, &both).block_size(0).width, Some(97 * 25));
}
