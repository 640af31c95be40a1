//! A GeoTIFF cut into tiles and rebuilt with gdalbuildvrt reads back equal to the original,
//! in any window; the open-file bound holds; reads from many threads agree.

mod common;

use common::{fixture, same};
use proptest::prelude::*;
use rastagg_tiff::TiffFile;
use rastagg_vrt::{CrsKind, SampleType, VrtDataset, VrtOptions, Window};
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
